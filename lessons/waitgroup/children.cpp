// Lesson `waitgroup`: the child programs. Each is a forked copy of this process running a tiny
// goroutine program whose goroutines each print one line after some work. The child ends as a
// Go program ends: when main returns, the process exits (_exit), whatever the other goroutines
// were doing. Lines go straight to the pipe with write(2), as Go's fmt.Println writes to
// os.Stdout without a buffer, except in the two stdio modes, which show what a C buffer loses.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <thread>

#include "lessons/common/lesson.h"
#include "lessons/waitgroup/waitgroup.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/pipe.h"
#include "os/workloads/busy_group.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::waitgroup {

namespace {

using std::chrono::milliseconds;
// A child that has not ended by then is killed and counted as failed.
constexpr auto kChildLimit = milliseconds(3000);
constexpr std::size_t kStdioBuffer = 1 << 16;

bool mode_waits(ChildMode m) {
  return m == ChildMode::wait || m == ChildMode::stdio_no_flush || m == ChildMode::stdio_flush;
}
bool mode_uses_stdio(ChildMode m) {
  return m == ChildMode::stdio_no_flush || m == ChildMode::stdio_flush;
}

// The child's whole life: the goroutine program, then _exit as Go exits when main returns.
[[noreturn]] void child_program(const ChildPlan& plan, int out_fd) {
  FILE* buffered = nullptr;
  if (mode_uses_stdio(plan.mode)) {
    buffered = ::fdopen(out_fd, "w");
    if (buffered == nullptr) {
      ::_exit(3);
    }
    std::setvbuf(buffered, nullptr, _IOFBF, kStdioBuffer);  // a pipe's stdout is fully buffered
  }
  rt::Config config;
  config.workers = plan.workers;
  config.stall_threshold = milliseconds(0);  // the goroutines compute on purpose
  rt::run(
      [&] {
        rt::WaitGroup wg;
        const bool waits = mode_waits(plan.mode);
        if (waits) {
          wg.add(plan.goroutines);
        }
        for (int i = 0; i < plan.goroutines; ++i) {
          rt::go([&, i] {
            work_units(plan.unit_rounds, i + 1);
            const std::string line = fmt::format("goroutine {} finished\n", i + 1);
            if (buffered != nullptr) {
              std::fputs(line.c_str(), buffered);
            } else {
              [[maybe_unused]] auto n = ::write(out_fd, line.data(), line.size());
            }
            if (waits) {
              wg.done();
            }
          });
        }
        if (plan.mode != ChildMode::return_at_once) {
          work_units(plan.unit_rounds, plan.main_units);
        }
        if (waits) {
          wg.wait();
        }
        if (plan.mode == ChildMode::stdio_flush) {
          std::fflush(buffered);  // what exit() would do; _exit() does not
        }
        ::_exit(0);  // main returned: the process ends here, as in Go
      },
      config);
  ::_exit(0);
}

// Everything the child wrote before it ended (its write ends are closed by then).
std::string drain(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) {
      break;
    }
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

void work_units(std::uint64_t unit_rounds, int units) {
  std::uint64_t x = 1;
  for (int u = 0; u < units; ++u) {
    x = os::spin_work(x, static_cast<int>(unit_rounds));
  }
  // Keeps the work from being optimised away.
  asm volatile("" : : "r"(x) : "memory");
}

const char* mode_name(ChildMode mode) {
  switch (mode) {
    case ChildMode::forget:
      return "main works, then returns";
    case ChildMode::return_at_once:
      return "main returns at once";
    case ChildMode::wait:
      return "main works, wg.wait()";
    case ChildMode::stdio_no_flush:
      return "wg.wait(), stdio, _exit";
    case ChildMode::stdio_flush:
      return "wg.wait(), stdio, flush";
  }
  return "?";
}

ChildRun run_child(const ChildPlan& plan) {
  os::Pipe out;
  auto child = os::ChildProcess::spawn([&]() -> int {
    ::close(out.read_fd());
    child_program(plan, out.write_fd());
  });
  out.close_write();
  std::optional<os::ExitStatus> status = child.wait_for(kChildLimit);
  if (!status) {
    status = child.kill();
  }
  const std::string text = drain(out.read_fd());
  ChildRun run;
  run.ended = status->describe();
  if (status->exited && status->code == 0) {
    run.lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
  return run;
}

TerminateRun run_joinable_thread_child() {
  os::Pipe err;
  auto child = os::ChildProcess::spawn([&]() -> int {
    ::dup2(err.write_fd(), STDERR_FILENO);
    {
      // Still joinable when it goes out of scope: ~thread() calls std::terminate.
      std::thread worker([] { std::this_thread::sleep_for(milliseconds(50)); });
    }
    return 0;
  });
  err.close_write();
  std::optional<os::ExitStatus> status = child.wait_for(kChildLimit);
  if (!status) {
    status = child.kill();
  }
  TerminateRun run;
  run.ended = status->describe();
  run.stderr_text = drain(err.read_fd());
  while (!run.stderr_text.empty() && run.stderr_text.back() == '\n') {
    run.stderr_text.pop_back();
  }
  return run;
}

std::uint64_t calibrate_unit_rounds(std::int64_t unit_ns) {
  constexpr int kProbeRounds = 200'000;
  constexpr int kProbes = 5;
  std::int64_t best = 0;
  std::uint64_t x = os::spin_work(1, kProbeRounds);  // warm-up
  for (int i = 0; i < kProbes; ++i) {
    const auto t0 = os::thread_cpu_ns();
    x = os::spin_work(x, kProbeRounds);
    const auto ns = os::thread_cpu_ns() - t0;
    best = (best == 0 || ns < best) ? ns : best;
  }
  asm volatile("" : : "r"(x) : "memory");
  const double per_round = static_cast<double>(std::max<std::int64_t>(best, 1)) / kProbeRounds;
  return std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(static_cast<double>(unit_ns) / per_round));
}

}  // namespace conc::lessons::waitgroup
