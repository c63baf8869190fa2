// `conc-lab bench`: runs each benchmark in a child process (this executable, re-executed with
// --in-process --only NAME) and prints its JSON line, or a table in text mode.
#include "bench.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "os/sys/child.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"

namespace conc::app {

std::string bench_json_line(const BenchResult& r) {
  nlohmann::ordered_json j;
  j["peer"] = "conc-lab";
  j["bench"] = r.bench;
  j["n"] = r.n;
  j["ns_per_op"] = r.ns_per_op;
  if (r.bytes_per_op) {
    j["bytes_per_op"] = *r.bytes_per_op;
  }
  j["extra"] = r.extra;
  return j.dump();
}

namespace {

// After Ctrl-C, how long the child may take to die of the forwarded signal before it is
// killed; well inside the second in which the app promises to end.
constexpr std::chrono::milliseconds kChildStopGrace{200};
// How often the read of the child's output looks at the interrupt flag.
constexpr int kReadSliceMs = 50;

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

std::string table_row(const nlohmann::json& j) {
  const auto& extra = j["extra"];
  const std::string unit = extra.contains("unit") ? extra["unit"].get<std::string>() : "";
  if (j.contains("bytes_per_op")) {
    return fmt::format("{:<28} {:>10} {:>12.0f} B/goroutine  ({:.0f} ns to spawn and park each)\n",
                       j["bench"].get<std::string>(), j["n"].get<long long>(),
                       j["bytes_per_op"].get<double>(), j["ns_per_op"].get<double>());
  }
  return fmt::format("{:<28} {:>10} {:>12.1f} ns  {}\n", j["bench"].get<std::string>(),
                     j["n"].get<long long>(), j["ns_per_op"].get<double>(), unit);
}

}  // namespace

int run_bench_command(const BenchOptions& options) {
  if (options.in_process) {
    // A benchmark does not poll the interrupt flag: the default actions end it at once when
    // the parent forwards Ctrl-C (or the terminal sends it to the whole group).
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      std::signal(sig, SIG_DFL);
    }
    std::printf("%s\n", bench_json_line(run_benchmark(options.only)).c_str());
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
  if (!options.json) {
    std::printf(
        "conc-lab runtime benchmarks (each in its own process; the same programs as\n"
        "the Go peer's bench.go; --json for the peers' JSON lines)\n\n"
        "%-28s %10s %12s\n",
        "bench", "n", "per op");
    std::fflush(stdout);
  }
  for (const auto& name : names) {
    const std::string line = run_child(name);
    if (options.json) {
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%s", table_row(nlohmann::json::parse(line)).c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace conc::app
