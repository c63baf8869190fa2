// Lesson `goroutines`: what a growable stack costs per call (C30). Go's compiler puts a bound
// check in every function prologue (load the stack limit, compare with the stack pointer,
// branch to grow the stack); conc::rt's stacks have a fixed size and no check. Here the same
// recursive function runs with and without that check written out by hand, timed and, where
// perf_event_open allows it, counted in instructions and cycles.

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "lessons/common/lesson.h"
#include "lessons/goroutines/goroutines.h"
#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "report/units.h"

namespace conc::lessons::goroutines {

namespace {

constexpr long kDepth = 1000;  // calls per descent; the outer loop repeats descents
constexpr int kRepeats = 5, kQuickRepeats = 3;

// The "stack limit": far below any real stack pointer, so the check never fires, but loaded
// from memory at every call as Go's prologue loads g.stackguard0.
std::atomic<std::uintptr_t> g_stack_limit{4096};

[[gnu::noinline, gnu::cold]] void stack_would_grow() {
  std::abort();  // never reached: the limit is below every stack
}

inline std::uintptr_t stack_pointer() {
  std::uintptr_t sp = 0;
#if defined(__x86_64__)
  asm volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
  asm volatile("mov %0, sp" : "=r"(sp));
#else
  sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
#endif
  return sp;
}

[[gnu::noinline]] long plain(long n) {
  if (n == 0) {
    return 0;
  }
  long r = plain(n - 1);
  asm volatile("" : "+r"(r));  // keeps it a real call: no loop, no accumulator
  return r + 1;
}

[[gnu::noinline]] long checked(long n) {
  if (stack_pointer() < g_stack_limit.load(std::memory_order_relaxed)) [[unlikely]] {
    stack_would_grow();
  }
  if (n == 0) {
    return 0;
  }
  long r = checked(n - 1);
  asm volatile("" : "+r"(r));
  return r + 1;
}

// Hardware counters of this thread, user space only; fd < 0 when not allowed.
class Counter {
 public:
  explicit Counter(std::uint64_t config) {
    perf_event_attr a{};
    a.size = sizeof a;
    a.type = PERF_TYPE_HARDWARE;
    a.config = config;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    fd_ = static_cast<int>(::syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
    error_ = fd_ < 0 ? errno : 0;
  }
  ~Counter() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;
  bool ok() const { return fd_ >= 0; }
  int error() const { return error_; }
  void start() {
    ::ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
    ::ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
  }
  double stop() {
    ::ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
    std::uint64_t v = 0;
    return ::read(fd_, &v, sizeof v) == sizeof v ? static_cast<double>(v) : 0;
  }

 private:
  int fd_ = -1;
  int error_ = 0;
};

std::string paranoid_level() {
  std::ifstream f("/proc/sys/kernel/perf_event_paranoid");
  std::string s;
  return (f >> s) ? s : std::string("?");
}

struct Sample {
  double ns = 0, instructions = 0;
};

template <typename F>
Sample time_calls(F fn, long calls, Counter& instr) {
  const long descents = std::max(1L, calls / kDepth);
  long sink = 0;
  if (instr.ok()) {
    instr.start();
  }
  const auto t0 = os::monotonic_ns();
  for (long i = 0; i < descents; ++i) {
    sink += fn(kDepth);
  }
  const auto ns = os::monotonic_ns() - t0;
  const double counted = instr.ok() ? instr.stop() : 0;
  asm volatile("" : : "r"(sink));
  const double n = static_cast<double>(descents * (kDepth + 1));
  return {static_cast<double>(ns) / n, counted / n};
}

}  // namespace

CallCheckView call_check(LessonContext& ctx, long calls) {
  const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
  Counter instr(PERF_COUNT_HW_INSTRUCTIONS);
  CallCheckView v;
  if (!instr.ok()) {
    v.counters_note = fmt::format(
        "perf_event_open refused ({}; kernel.perf_event_paranoid = {}; "
        "a VM often has no hardware counters)",
        std::strerror(instr.error()), paranoid_level());
  }
  time_calls(plain, calls / 10, instr);  // warm-up
  time_calls(checked, calls / 10, instr);
  std::vector<double> ns_plain, ns_checked, in_plain, in_checked;
  const int repeats = ctx.repeats(kRepeats, kQuickRepeats);
  for (int r = 0; r < repeats; ++r) {
    LessonContext::check_interrupted();
    const auto p = time_calls(plain, calls / repeats, instr);
    const auto c = time_calls(checked, calls / repeats, instr);
    ns_plain.push_back(p.ns);
    ns_checked.push_back(c.ns);
    in_plain.push_back(p.instructions);
    in_checked.push_back(c.instructions);
  }
  const std::string how = fmt::format(
      "{} calls in descents of {} (a noinline recursive function), {} repetitions alternating "
      "the two, pinned to CPU {}",
      report::format_count(calls), kDepth, repeats, ctx.cpu());
  v.ns_plain =
      ctx.measure("call_ns_plain", "recursive call, no check", "ns", ns_plain, how).stats.median;
  v.ns_checked =
      ctx.measure("call_ns_checked", "recursive call with Go's bound check", "ns", ns_checked,
                  how + "; the check: load the limit, compare with the stack pointer, branch")
          .stats.median;
  if (instr.ok()) {
    v.instr_plain = ctx.measure("call_instr_plain", "instructions per call, no check", "", in_plain,
                                "perf_event_open, user-space instructions")
                        .stats.median;
    v.instr_checked = ctx.measure("call_instr_checked", "instructions per call, checked", "",
                                  in_checked, "perf_event_open, user-space instructions")
                          .stats.median;
  } else {
    ctx.warn("Instructions not counted: " + v.counters_note + ".");
  }
  return v;
}

}  // namespace conc::lessons::goroutines
