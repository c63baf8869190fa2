// Lesson `stack`, a thread stack's memory: what it reserves against what it touches (mincore
// before and after using 16 KiB), and running off its end, on an 8 MiB and a 64 KiB stack, in
// a child process (C21, and C09's guard page). The lesson itself is in stack.cpp.

#include <alloca.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <system_error>

#include "lessons/common/lesson.h"
#include "lessons/stack/overflow.h"
#include "lessons/stack/stack.h"
#include "os/procfs/limits.h"
#include "os/sys/child.h"
#include "os/sys/shared_memory.h"
#include "os/sys/thread.h"
#include "os/sys/thread_stack.h"
#include "report/units.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONC_ASAN 1
#endif
#endif

namespace conc::lessons::stack {

OverflowShared* g_overflow = nullptr;  // set in the child only, read by its signal handler

namespace {
volatile long g_depth_limit = LONG_MAX;  // keeps the compiler from proving endless recursion
}  // namespace

long recurse(long depth) {
  volatile char pad[kOverflowFramePadBytes];
  pad[0] = static_cast<char>(depth);
  const auto here = reinterpret_cast<std::uintptr_t>(&pad[0]);
  g_overflow->depth.store(depth, std::memory_order_relaxed);
  g_overflow->deepest_frame.store(here, std::memory_order_relaxed);
  if (depth == 1) {
    g_overflow->first_frame.store(here, std::memory_order_relaxed);
  }
  const long below = depth < g_depth_limit ? recurse(depth + 1) : 0;
  return below + pad[0];  // work after the call: no tail call, each frame stays
}

namespace {

using std::chrono::milliseconds;
constexpr auto kChildLimit = milliseconds(5000);
constexpr std::size_t kTouchBytes = 16 * kKiB;
constexpr std::size_t kSkipBytes = 256 * kKiB;
constexpr std::size_t kSmallStack = 64 * kKiB;
constexpr std::size_t kBigStack = 8 * kMiB;
constexpr int kOverflowCaught = 42;  // exit code of the child whose SIGSEGV handler ran
constexpr int kNoOverflow = 43;
constexpr std::size_t kFramePadBytes = kOverflowFramePadBytes;
constexpr int kOverflowRuns = 3;  // pairs of overflows by default (--quick: 1)
#ifdef CONC_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

// ---- reserved against touched ------------------------------------------------------------

struct TouchReport {
  os::StackSpan stack;
  std::size_t before = 0, after = 0;  // resident bytes of the stack
};

// Moves kSkipBytes down the stack without touching it, then writes kTouchBytes there. The
// skip matters: glibc recycles the stacks of ended threads and keeps the top 16 KiB or so of
// a recycled one resident, so only memory deeper than that is sure to be untouched.
[[gnu::noinline]] void touch_stack(TouchReport& r) {
  auto* region = static_cast<volatile char*>(alloca(kSkipBytes + kTouchBytes));
  r.before = os::resident_bytes(r.stack.low, r.stack.bytes);
  for (std::size_t i = 0; i < kTouchBytes; i += 64) {
    region[i] = 1;  // the lowest kTouchBytes of the block: the deepest part
  }
  r.after = os::resident_bytes(r.stack.low, r.stack.bytes);
}

// ---- overflow in a child -----------------------------------------------------------------

char g_alt_stack[64 * 1024];  // the child's signal stack: its thread stack is full

void on_segv(int, siginfo_t* info, void*) {
  g_overflow->fault.store(reinterpret_cast<std::uintptr_t>(info->si_addr));
  ::_exit(kOverflowCaught);  // async-signal-safe; the stack is unusable anyway
}

void overflow_thread() {
  const auto b = os::current_thread_stack();
  g_overflow->stack_lo.store(b.low);
  g_overflow->guard_lo.store(b.low - b.guard);
  stack_t ss{};
  ss.ss_sp = g_alt_stack;
  ss.ss_size = sizeof g_alt_stack;
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, nullptr);
  recurse(1);
}

int overflow_child(OverflowShared* shared, std::size_t stack_bytes) {
  g_overflow = shared;
  // A sanitizer that takes the fault prints a long report: not for the lesson's output.
  const int null = ::open("/dev/null", O_WRONLY);
  ::dup2(null, STDERR_FILENO);
  os::Thread t;
  if (os::Thread::start(t, overflow_thread, {.stack_bytes = stack_bytes, .cpu = -1}) != 0) {
    return 3;
  }
  t.join();
  return kNoOverflow;
}

OverflowRun overflow_once(std::size_t stack_bytes) {
  os::Shared<OverflowShared> shared_page;  // survives the child, whichever way it ends
  OverflowShared* shared = &*shared_page;
  auto child = os::ChildProcess::spawn([&] { return overflow_child(shared, stack_bytes); });
  auto status = child.wait_for(kChildLimit);
  if (!status) {
    status = child.kill();
  }
  OverflowRun r;
  r.stack_bytes = stack_bytes;
  r.depth = shared->depth.load();
  const auto first = shared->first_frame.load(), deepest = shared->deepest_frame.load();
  if (r.depth > 1 && first > deepest) {
    r.bytes_per_frame = static_cast<double>(first - deepest) / static_cast<double>(r.depth - 1);
  }
  if (status->exited && status->code == kOverflowCaught) {
    r.overflowed = true;
    r.ended = "SIGSEGV, caught by the child's handler on its alternate signal stack";
    const auto fault = shared->fault.load();
    r.fault_in_guard = fault >= shared->guard_lo.load() && fault < shared->stack_lo.load();
  } else if (status->signaled && status->signal == SIGSEGV) {
    r.overflowed = true;
    r.ended = "killed by SIGSEGV";
  } else if (kAsan && status->exited && status->code == 1) {
    r.overflowed = true;
    r.ended = "AddressSanitizer reported stack-overflow and exited 1";
  } else {
    r.ended = "ended otherwise: " + status->describe();
  }
  return r;
}

// ---- the two steps -----------------------------------------------------------------------

struct TouchSamples {
  std::vector<double> reserved, before, growth;
};

// The touch thread needs kSkipBytes + kTouchBytes of stack plus its frames. A default thread
// stack follows RLIMIT_STACK, which may be smaller (`ulimit -s 64`): then the thread is given
// this size explicitly rather than overflowing its own stack.
constexpr std::size_t kTouchStackMin = kSkipBytes + kTouchBytes + 64 * kKiB;

// 0 (the default stack) when it has room for touch_stack(), else kTouchStackMin.
std::size_t touch_thread_stack_bytes() {
  pthread_attr_t attr;
  std::size_t bytes = 0;
  if (::pthread_getattr_default_np(&attr) == 0) {
    ::pthread_attr_getstacksize(&attr, &bytes);
    ::pthread_attr_destroy(&attr);
  }
  return bytes >= kTouchStackMin ? 0 : kTouchStackMin;
}

// `reps` threads, one after the other, each measuring its own stack before and after use.
TouchSamples touch_samples(int reps, std::size_t stack_bytes) {
  TouchSamples s;
  for (int i = 0; i < reps; ++i) {
    LessonContext::check_interrupted();
    TouchReport r;
    os::Thread t;
    const int err = os::Thread::start(t,
                                      [&r] {
                                        r.stack = os::current_thread_stack();
                                        touch_stack(r);
                                      },
                                      {.stack_bytes = stack_bytes, .cpu = -1});
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_create");
    }
    t.join();
    s.reserved.push_back(static_cast<double>(r.stack.bytes));
    s.before.push_back(static_cast<double>(r.before));
    s.growth.push_back(static_cast<double>(r.after - std::min(r.after, r.before)));
  }
  return s;
}

std::vector<double> depths(const std::vector<OverflowRun>& runs) {
  std::vector<double> d;
  d.reserve(runs.size());
  for (const auto& r : runs) {
    d.push_back(static_cast<double>(r.depth));
  }
  return d;
}

void overflow_table(LessonContext& ctx, const OverflowRun& big, const OverflowRun& small) {
  report::Table t{
      "overflow",
      "How each overflow ended (last run)",
      {"stack", "frames", "bytes per frame", "frames × bytes", "ended by", "fault in guard page"},
      {},
      ""};
  for (const auto* r : {&big, &small}) {
    t.rows.push_back(
        {bytes_text(r->stack_bytes), static_cast<std::int64_t>(r->depth),
         report::format_number(r->bytes_per_frame),
         bytes_text(static_cast<std::uint64_t>(r->bytes_per_frame * static_cast<double>(r->depth))),
         r->ended,
         r->fault_in_guard ? std::string(*r->fault_in_guard ? "yes" : "no")
                           : std::string("not seen")});
  }
  t.note = fmt::format(
      "The frames fill almost the whole stack; what is missing holds the thread's own data "
      "(TLS, glibc's thread descriptor) at the top. A frame is larger than its {}-byte local: "
      "the return address, saved registers and alignment come with it{}.",
      kFramePadBytes, kAsan ? ", and AddressSanitizer's redzones in this build" : "");
  ctx.report().add(std::move(t));
}

}  // namespace

ThreadStackFigures reserved_vs_touched_experiment(LessonContext& ctx) {
  const int reps = ctx.repeats(5, 3);
  const std::size_t stack_bytes = touch_thread_stack_bytes();
  if (stack_bytes != 0) {
    ctx.warn(
        fmt::format("the default thread stack (it follows ulimit -s) has no room for this "
                    "experiment: its threads were given {} stacks instead",
                    report::format_bytes(static_cast<double>(stack_bytes))));
  }
  const auto s = touch_samples(reps, stack_bytes);
  ctx.explain("Reserved against touched",
              fmt::format("A new thread (default stack) counts the resident pages of its own "
                          "stack with mincore(), then writes {} of stack memory {} below where "
                          "it is (alloca, so nothing in between is touched) and counts again. "
                          "Repeated with {} threads, one after the other.",
                          bytes_text(kTouchBytes), bytes_text(kSkipBytes), reps));
  // Copies: a later measure() may move the report's measurements.
  const auto res = ctx.measure("thread_stack_reserved_bytes", "stack reserved (mapped)", "B",
                               s.reserved, "pthread_getattr_np: the thread's stack size");
  const auto b =
      ctx.measure("thread_stack_resident_at_start_bytes", "stack resident when the thread starts",
                  "B", s.before, "mincore() over the thread's stack, before the write");
  const auto g =
      ctx.measure("thread_stack_growth_16k_bytes", "resident growth after using 16 KiB", "B",
                  s.growth, "mincore() again after writing every 64th byte of 16 KiB");
  ctx.explain("", fmt::format("Of the {} reserved, {} were in memory at the start and {} more "
                              "after the thread used 16 KiB: a stack costs address space up "
                              "front but memory only as deep as it is used (the kernel fills a "
                              "page on the first touch).",
                              bytes_text(static_cast<std::uint64_t>(res.stats.median)),
                              bytes_text(static_cast<std::uint64_t>(b.stats.median)),
                              bytes_text(static_cast<std::uint64_t>(g.stats.median))));
  return {res.stats.median, b.stats.median, g.stats.median};
}

OverflowPair overflow_experiment(LessonContext& ctx, bool stacks_distinct) {
  const int reps = ctx.repeats(kOverflowRuns, 1);
  ctx.explain(
      "Running off the end",
      fmt::format("A child process starts a thread with an {} stack, and another child one with "
                  "a {} stack; each thread installs a SIGSEGV handler on an alternate signal "
                  "stack and recurses through a function with a {}-byte local until the stack "
                  "runs out. Depth and frame addresses are written to memory shared with the "
                  "parent at every call, so they survive the child's end.",
                  bytes_text(kBigStack), bytes_text(kSmallStack), kFramePadBytes));
  if (reps > kOverflowRuns) {
    ctx.progress(fmt::format("stack: overflowing {} stacks, one child each", 2 * reps));
  }
  ctx.predict({"overflow_depth_64kib",
               fmt::format("A function with a {}-byte local calls itself on a thread with a {} "
                           "stack. How many calls deep does it get before the stack runs out?",
                           kFramePadBytes, bytes_text(kSmallStack)),
               fmt::format("calls deep, {} stack", bytes_text(kSmallStack)), "calls", 1, 10'000'000,
               median_of("overflow_depth_64kib")});
  std::vector<OverflowRun> big, small;
  for (int i = 0; i < reps; ++i) {
    LessonContext::check_interrupted();
    big.push_back(overflow_once(kBigStack));
    small.push_back(overflow_once(kSmallStack));
  }
  const std::string method = "recursion depth reached before the fault, one child per run";
  ctx.measure("overflow_depth_8mib", "frames until overflow, 8 MiB stack", "", depths(big), method);
  ctx.measure("overflow_depth_64kib", "frames until overflow, 64 KiB stack", "", depths(small),
              method);
  overflow_table(ctx, big.back(), small.back());
  FixedStackView v;
  v.default_stack = os::default_thread_stack_bytes();
  v.glibc_rule = os::glibc_default_stack_for(os::get_rlimit(RLIMIT_STACK));
  v.big = big.back();
  v.small = small.back();
  ctx.verdict(judge_c21(v));
  ctx.verdict(judge_c09(stacks_distinct, big.back()));
  return {big.back(), small.back()};
}

}  // namespace conc::lessons::stack
