// `conc-lab bench`: runs each benchmark in a child process (this executable, re-executed with
// --in-process --only NAME) and hands each result to lib/report's bench renderers: the peers'
// JSON lines, or a table in text mode. Both carry the lessons' busy-machine warnings.
#include "bench.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "lessons/common/environment.h"
#include "os/procfs/sysinfo.h"
#include "os/sys/child.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"

namespace conc::app {

namespace {

// After Ctrl-C, how long the child may take to die of the forwarded signal before it is
// killed; well inside the second in which the app promises to end.
constexpr std::chrono::milliseconds kChildStopGrace{200};
// How often the read of the child's output looks at the interrupt flag.
constexpr int kReadSliceMs = 50;
// How long the machine is watched for other runnable tasks before the first benchmark (as
// long as `conc-lab info` watches it).
constexpr int kMachineSampleMs = 200;

// Ctrl-C (or SIGTERM...) reached us, perhaps not the child (a `kill` names one pid): forward
// it, give the child a bound to end, then kill and reap it, and unwind as every lesson does.
[[noreturn]] void stop_child(os::ChildProcess& child) {
  ::kill(child.pid(), os::interrupt_signal() != 0 ? os::interrupt_signal() : SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kChildStopGrace;
  while (std::chrono::steady_clock::now() < deadline) {
    ::poll(nullptr, 0, 5);
    siginfo_t info{};  // WNOWAIT: look without reaping, child.kill() reaps
    if (::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == child.pid()) {
      break;
    }
  }
  child.kill();  // reaps; SIGKILL first if it is still there
  throw os::Interrupted();
}

// The child's whole stdout; reads in slices so that Ctrl-C is seen while a benchmark runs.
std::string read_output(os::ChildProcess& child, int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {os::interrupt_fd(), POLLIN, 0}};
    ::poll(fds, 2, kReadSliceMs);
    if (os::interrupted()) {
      stop_child(child);
    }
    if (fds[0].revents == 0) {
      continue;
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      return out;
    }
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
}

// Runs `conc-lab bench --in-process --only name` and returns its stdout (one JSON line).
std::string run_child(const std::string& name) {
  os::Pipe pipe;  // close-on-exec: the child keeps only its dup as stdout
  auto child = os::ChildProcess::spawn([&] {
    ::dup2(pipe.write_fd(), 1);
    const char* argv[] = {"conc-lab", "bench", "--in-process", "--only", name.c_str(), nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    return 127;
  });
  pipe.close_write();
  std::string out = read_output(child, pipe.read_fd());
  const os::ExitStatus status = child.wait();
  if (!status.exited || status.code != 0) {
    throw std::runtime_error("benchmark " + name + " failed (" + status.describe() + ")");
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int run_bench_command(const BenchOptions& options) {
  if (options.in_process) {
    // A benchmark does not poll the interrupt flag: the default actions end it at once when
    // the parent forwards Ctrl-C (or the terminal sends it to the whole group).
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      std::signal(sig, SIG_DFL);
    }
    print(report::render_bench_json_line(run_benchmark(options.only)) + "\n");
    return 0;
  }
  std::vector<std::string> names;
  if (options.only.empty()) {
    names = bench_names();
  } else {
    bool known = false;
    for (const auto& n : bench_names()) {
      known = known || n == options.only;
    }
    if (!known) {
      throw std::invalid_argument("unknown benchmark '" + options.only + "'");
    }
    names = {options.only};
  }
  // The lessons' rule: a busy or stolen-from machine makes every timing noisy.
  const std::vector<std::string> warnings =
      lessons::noise_warnings(os::collect_system_info(kMachineSampleMs));
  if (!options.json) {
    print(report::render_bench_text_head(warnings, options.width));
  }
  for (const auto& name : names) {
    const BenchResult result = report::bench_result_from_json_line(run_child(name));
    print(options.json ? report::render_bench_json_line(result, warnings) + "\n"
                       : report::render_bench_text_row(result, options.width));
  }
  return 0;
}

}  // namespace conc::app
