// Lesson `sync`: Go's misuse messages, each from a child process. Unlocking an unlocked
// mutex is a fatal error in Go (not a panic: no recover, the process ends with status 2), and
// conc::rt ends the process the same way, so it must run in a child for the lesson to go on.
// A negative WaitGroup counter is a panic; conc::rt's run() catches it (RunResult), and the
// child then prints the report and exits 2, as a Go program ending in that panic would.

#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "lessons/common/lesson.h"
#include "lessons/sync/sync.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/pipe.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::sync {

namespace {

constexpr std::int64_t kChildLimitNs = 3'000'000'000;
constexpr int kGoExitStatus = 2;  // Go's exit status after a fatal error or an uncaught panic

// Runs `program` as a Go program would run in a child and returns what it wrote on stderr.
std::pair<std::string, os::ExitStatus> run_in_child(const std::function<void()>& program) {
  os::Pipe err;
  auto child = os::ChildProcess::spawn([&] {
    ::dup2(err.write_fd(), STDERR_FILENO);
    const rt::RunResult r = rt::run(program, rt::Config{.workers = 1});
    if (r.outcome != rt::Outcome::completed) {
      std::fputs(r.report.c_str(), stderr);
      std::fflush(stderr);
      return kGoExitStatus;
    }
    return 0;
  });
  err.close_write();
  std::string text;
  char buf[512];
  for (const auto give_up = os::monotonic_ns() + kChildLimitNs; os::monotonic_ns() < give_up;) {
    LessonContext::check_interrupted();
    pollfd p{err.read_fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;
    }
    const auto n = ::read(err.read_fd(), buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  auto status = child.wait_for(std::chrono::milliseconds(1000));
  return {text, status ? *status : child.kill()};
}

MisuseCase misuse(std::string name, std::string go_prints, const std::function<void()>& program) {
  const auto [text, status] = run_in_child(program);
  MisuseCase c{std::move(name), std::move(go_prints), text.substr(0, text.find('\n')),
               status.describe(), false};
  c.as_go = c.printed == c.go_prints && status.exited && status.code == kGoExitStatus;
  return c;
}

}  // namespace

std::vector<MisuseCase> misuse_experiment(LessonContext& ctx) {
  std::vector<MisuseCase> cases;
  cases.push_back(misuse("unlock unlocked", "fatal error: sync: unlock of unlocked mutex", [] {
    rt::Mutex mu;
    mu.unlock();
  }));
  LessonContext::check_interrupted();
  cases.push_back(misuse("wg.add(-1) at 0", "panic: sync: negative WaitGroup counter", [] {
    rt::WaitGroup wg;
    wg.add(-1);
  }));
  report::Table t{"misuse",
                  "Misuse, each in a child process: its first line on stderr",
                  {"misuse", "the child printed", "ended", "as Go"},
                  {},
                  ""};
  for (const auto& c : cases) {
    t.rows.push_back({c.name, c.printed.empty() ? std::string("(nothing)") : c.printed, c.exit_text,
                      std::string(c.as_go ? "yes" : "NO")});
  }
  t.note =
      "Go prints exactly these lines and exits with status 2. The first is a fatal error: "
      "unlike a panic it cannot be recovered, and conc::rt, like Go, ends the process on the "
      "spot, which is why it ran in a child. The second is a panic that conc::rt's run() "
      "catches and reports; the child printed that report and exited 2, as Go would.";
  ctx.report().add(std::move(t));
  return cases;
}

}  // namespace conc::lessons::sync
