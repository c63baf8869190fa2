// Lesson `stack` (C09, C18, C21, C22): RLIMIT_STACK as `ulimit -s` shows it, the default
// thread stack glibc derives from it, the stacks' layout with their guard pages, reserved
// against touched memory, and overflowing an 8 MiB and a 64 KiB thread stack in a child.
// What limits the number of threads is in stack_limits.cpp.

#include "lessons/stack.h"

#include <alloca.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <system_error>

#include "lessons/lesson.h"
#include "os/child.h"
#include "os/clock.h"
#include "os/limits.h"
#include "os/parked_threads.h"
#include "os/pipe.h"
#include "os/proc_read.h"
#include "os/shared_memory.h"
#include "os/task_parse.h"
#include "report/units.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONC_ASAN 1
#endif
#endif

namespace conc::lessons {

namespace {

using stack::kKiB;
using stack::kMiB;
using std::chrono::milliseconds;
constexpr auto kChildLimit = milliseconds(5000);
constexpr std::size_t kTouchBytes = 16 * kKiB;
constexpr std::size_t kSkipBytes = 256 * kKiB;
constexpr std::size_t kSmallStack = 64 * kKiB;
constexpr std::size_t kBigStack = 8 * kMiB;
constexpr int kOverflowCaught = 42;  // exit code of the child whose SIGSEGV handler ran
constexpr int kNoOverflow = 43;
constexpr std::size_t kFramePadBytes = 192;  // well under a page, so a frame cannot skip the guard
#ifdef CONC_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

std::string bytes_text(std::uint64_t b) {
  return report::format_bytes(static_cast<double>(b));
}

// ---- a shell's own `ulimit -s` -----------------------------------------------------------

// Output of `sh -c 'ulimit -s; ulimit -Hs'`, run as a child; nullopt if no shell ran.
std::optional<std::pair<std::string, std::string>> shell_ulimit() {
  os::Pipe out;
  auto child = os::ChildProcess::spawn([&] {
    ::dup2(out.write_fd(), STDOUT_FILENO);  // the copy survives exec; the original does not
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execl("/bin/sh", "sh", "-c", "ulimit -s; ulimit -Hs", static_cast<char*>(nullptr));
    return 127;
  });
  out.close_write();  // EOF once the shell has exited
  std::string text;
  char buf[256];
  for (const auto give_up = os::monotonic_ns() + 2'000'000'000; os::monotonic_ns() < give_up;) {
    LessonContext::check_interrupted();
    pollfd p{out.read_fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;
    }
    const auto n = ::read(out.read_fd(), buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  const auto status = child.wait_for(milliseconds(1000));
  const auto nl = text.find('\n');
  if (!status || !status->exited || status->code != 0 || nl == std::string::npos) {
    return std::nullopt;
  }
  auto second = text.substr(nl + 1);
  second = second.substr(0, second.find('\n'));
  return std::pair{text.substr(0, nl), second};
}

// ---- reserved against touched ------------------------------------------------------------

std::size_t resident_pages(std::uint64_t lo, std::uint64_t hi) {
  const auto page = os::page_size();
  std::vector<unsigned char> vec((hi - lo + page - 1) / page);
  if (::mincore(reinterpret_cast<void*>(lo), hi - lo, vec.data()) != 0) {
    return 0;
  }
  return static_cast<std::size_t>(
      std::count_if(vec.begin(), vec.end(), [](unsigned char c) { return (c & 1) != 0; }));
}

struct StackBounds {
  std::uint64_t lo = 0, hi = 0, guard = 0;
};
StackBounds own_stack_bounds() {
  pthread_attr_t attr;
  StackBounds b;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) {
    return b;
  }
  void* addr = nullptr;
  std::size_t size = 0, guard = 0;
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_getguardsize(&attr, &guard);
  pthread_attr_destroy(&attr);
  b.lo = reinterpret_cast<std::uintptr_t>(addr);
  b.hi = b.lo + size;
  b.guard = guard;
  return b;
}

struct TouchReport {
  StackBounds stack;
  std::size_t before = 0, after = 0;
};

// Moves kSkipBytes down the stack without touching it, then writes kTouchBytes there. The
// skip matters: glibc recycles the stacks of ended threads and keeps the top 16 KiB or so of
// a recycled one resident, so only memory deeper than that is sure to be untouched.
[[gnu::noinline]] void touch_stack(TouchReport& r) {
  auto* region = static_cast<volatile char*>(alloca(kSkipBytes + kTouchBytes));
  r.before = resident_pages(r.stack.lo, r.stack.hi);
  for (std::size_t i = 0; i < kTouchBytes; i += 64) {
    region[i] = 1;  // the lowest kTouchBytes of the block: the deepest part
  }
  r.after = resident_pages(r.stack.lo, r.stack.hi);
}

// ---- overflow in a child -----------------------------------------------------------------

// What the overflowing child leaves behind, in memory shared with the parent: written as it
// goes, so the parent learns the depth whichever way the child dies.
struct OverflowShared {
  std::atomic<long> depth{0};
  std::atomic<std::uint64_t> first_frame{0}, deepest_frame{0}, fault{0};
  std::atomic<std::uint64_t> stack_lo{0}, guard_lo{0};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

OverflowShared* g_overflow = nullptr;    // set in the child only, read by its signal handler
volatile long g_depth_limit = LONG_MAX;  // keeps the compiler from proving endless recursion
char g_alt_stack[64 * 1024];             // the child's signal stack: its thread stack is full

[[gnu::noinline]] long recurse(long depth) {
  volatile char pad[kFramePadBytes];
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

void on_segv(int, siginfo_t* info, void*) {
  g_overflow->fault.store(reinterpret_cast<std::uintptr_t>(info->si_addr));
  ::_exit(kOverflowCaught);  // async-signal-safe; the stack is unusable anyway
}

void overflow_thread() {
  const auto b = own_stack_bounds();
  g_overflow->stack_lo.store(b.lo);
  g_overflow->guard_lo.store(b.lo - b.guard);
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

stack::OverflowRun overflow_once(std::size_t stack_bytes) {
  os::Shared<OverflowShared> shared_page;  // survives the child, whichever way it ends
  OverflowShared* shared = &*shared_page;
  auto child = os::ChildProcess::spawn([&] { return overflow_child(shared, stack_bytes); });
  auto status = child.wait_for(kChildLimit);
  if (!status) {
    status = child.kill();
  }
  stack::OverflowRun r;
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

class StackLesson final : public Lesson {
 public:
  std::string_view name() const override { return "stack"; }
  std::string_view title() const override {
    return "Stacks: the limit, the fixed size of a thread's stack, and how many threads fit";
  }
  std::vector<std::string_view> claims() const override { return {"C09", "C18", "C21", "C22"}; }
  void add_options(CLI::App& cmd) override {
    const int cap = stack::max_threads_cap();
    max_threads_opt_ =
        cmd.add_option("--max-threads", max_threads_,
                       fmt::format("Threads the live attempt may start (1-{}; default 2000, "
                                   "quick 500)",
                                   cap))
            ->type_name("N")
            ->check(whole_number(1, cap));
  }
  void run(LessonContext& ctx) override;

 private:
  void the_limit(LessonContext& ctx);
  bool layout(LessonContext& ctx);
  void reserved_vs_touched(LessonContext& ctx);
  void overflow(LessonContext& ctx, bool stacks_distinct);
  int max_threads_ = 2000;
  CLI::Option* max_threads_opt_ = nullptr;
};

void StackLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "Every thread needs a stack for its calls' local variables and return addresses. "
              "The main thread's stack grows on demand up to RLIMIT_STACK (`ulimit -s`); every "
              "other thread gets a stack of a fixed size when it is created, 8 MiB being "
              "typical. How many threads fit is then a question of which limit is hit first.");
  the_limit(ctx);
  LessonContext::check_interrupted();
  const bool distinct = layout(ctx);
  LessonContext::check_interrupted();
  reserved_vs_touched(ctx);
  LessonContext::check_interrupted();
  overflow(ctx, distinct);
  LessonContext::check_interrupted();
  const bool explicit_count = max_threads_opt_ != nullptr && max_threads_opt_->count() > 0;
  stack::thread_limits_experiment(
      ctx, explicit_count ? max_threads_ : ctx.size(max_threads_, std::min(max_threads_, 500)));
}

void StackLesson::the_limit(LessonContext& ctx) {
  const auto limit = os::get_rlimit(RLIMIT_STACK);
  const auto shell = shell_ulimit();
  const auto default_stack = os::default_thread_stack_bytes();
  const auto rule = os::glibc_default_stack_for(limit);
  report::Table t{"rlimit_stack",
                  "RLIMIT_STACK, as getrlimit returns it and as `ulimit -s` prints it",
                  {"limit", "getrlimit (bytes)", "ulimit (KiB)", "sh -c 'ulimit -s' / -Hs"},
                  {},
                  ""};
  auto bytes_cell = [](const std::optional<std::uint64_t>& b) -> report::Value {
    return b ? report::Value(static_cast<std::int64_t>(*b))
             : report::Value(std::string("unlimited"));
  };
  t.rows.push_back({std::string("soft (ulimit -s)"), bytes_cell(limit.soft),
                    os::format_ulimit_kib(limit.soft),
                    shell ? shell->first : std::string("no shell")});
  t.rows.push_back({std::string("hard (ulimit -Hs)"), bytes_cell(limit.hard),
                    os::format_ulimit_kib(limit.hard),
                    shell ? shell->second : std::string("no shell")});
  t.note =
      "The soft limit is the one in force; a process may raise it up to the hard limit. It "
      "caps how far the main thread's [stack] may grow.";
  ctx.report().add(std::move(t));
  if (limit.soft) {
    ctx.measure("rlimit_stack_soft_bytes", "RLIMIT_STACK soft limit", "B",
                {static_cast<double>(*limit.soft)},
                "getrlimit(RLIMIT_STACK).rlim_cur; `ulimit -s` prints it divided by 1024");
  }
  ctx.measure("default_thread_stack_bytes", "default stack of a new thread", "B",
              {static_cast<double>(default_stack)},
              "pthread_getattr_default_np: the size pthread_create uses when none is asked for");
  ctx.explain(
      "Where the thread stack size comes from",
      fmt::format("glibc reads RLIMIT_STACK once, when the program starts: if the soft limit is "
                  "finite it becomes the default stack size of every new thread, if it is "
                  "'unlimited' glibc uses 2 MiB on x86-64. Here the soft limit is {}, so the "
                  "rule gives {}, and new threads get {}. (Changing the limit later, with "
                  "setrlimit, does not change it for this process; `ulimit -s 512` before "
                  "starting a program does.)",
                  limit.soft ? bytes_text(*limit.soft) : std::string("unlimited"), bytes_text(rule),
                  bytes_text(default_stack)));
  stack::StackLimitView v{limit.soft, limit.hard, std::nullopt, std::nullopt};
  if (shell) {
    v.shell_soft = shell->first;
    v.shell_hard = shell->second;
  }
  ctx.verdict(stack::judge_c22(v));
}

bool StackLesson::layout(LessonContext& ctx) {
  struct Seen {
    std::uint64_t local = 0;
  };
  std::array<Seen, 2> seen;
  const std::array<std::size_t, 2> sizes = {0, kSmallStack};
  os::ParkedThreads group;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const int err = group.start(
        [&, i] {
          volatile int local = 0;
          seen[i].local = reinterpret_cast<std::uintptr_t>(&local);
          group.park();
          static_cast<void>(local);
        },
        {.stack_bytes = sizes[i], .cpu = -1});
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_create");
    }
  }
  if (!group.wait_parked(sizes.size(), kChildLimit)) {
    throw std::runtime_error("the stack lesson's threads did not start");
  }
  volatile int main_local = 0;
  const auto maps = os::read_maps(::getpid());
  group.join_all();

  std::vector<stack::LayoutBox> boxes;
  std::vector<std::uint64_t> starts;
  auto add_stack = [&](std::uint64_t local, const std::string& label) {
    const auto m = os::find_mapping(maps, local);
    if (!m) {
      return;
    }
    starts.push_back(maps[*m].start);
    boxes.push_back({maps[*m].start,
                     maps[*m].end,
                     label,
                     maps[*m].perms,
                     {fmt::format("a local variable at {:#x}", local)}});
    if (const auto g = os::guard_below(maps, *m)) {
      boxes.push_back({maps[*g].start,
                       maps[*g].end,
                       "guard page (no access)",
                       maps[*g].perms,
                       {"touching it -> SIGSEGV"}});
    }
  };
  add_stack(reinterpret_cast<std::uintptr_t>(&main_local), "main thread [stack], grows down");
  add_stack(seen[0].local, "thread A stack, default size");
  add_stack(seen[1].local, "thread B stack, 64 KiB asked for");
  std::sort(starts.begin(), starts.end());
  const bool distinct =
      starts.size() == 3 && std::adjacent_find(starts.begin(), starts.end()) == starts.end();
  ctx.explain("The stacks in this process's address space (/proc/self/maps, this run)",
              stack::draw_layout(boxes) +
                  "\nThe main thread's [stack] is only as large as it has grown so far (the "
                  "kernel extends it on a fault, up to RLIMIT_STACK). A thread stack is one "
                  "fixed mapping made by pthread_create, with a guard page below it because "
                  "stacks grow down.");
  return distinct;
}

void StackLesson::reserved_vs_touched(LessonContext& ctx) {
  const int reps = ctx.repeats(5, 3);
  std::vector<double> reserved, before, growth;
  for (int i = 0; i < reps; ++i) {
    TouchReport r;
    os::Thread t;
    const int err = os::Thread::start(t, [&r] {
      r.stack = own_stack_bounds();
      touch_stack(r);
    });
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_create");
    }
    t.join();
    const auto page = static_cast<double>(os::page_size());
    reserved.push_back(static_cast<double>(r.stack.hi - r.stack.lo));
    before.push_back(static_cast<double>(r.before) * page);
    growth.push_back(static_cast<double>(r.after - std::min(r.after, r.before)) * page);
  }
  ctx.explain("Reserved against touched",
              fmt::format("A new thread (default stack) counts the resident pages of its own "
                          "stack with mincore(), then writes {} of stack memory {} below where "
                          "it is (alloca, so nothing in between is touched) and counts again. "
                          "Repeated with {} threads, one after the other.",
                          bytes_text(kTouchBytes), bytes_text(kSkipBytes), reps));
  // Copies: a later measure() may move the report's measurements.
  const auto res = ctx.measure("thread_stack_reserved_bytes", "stack reserved (mapped)", "B",
                               reserved, "pthread_getattr_np: the thread's stack size");
  const auto b =
      ctx.measure("thread_stack_resident_at_start_bytes", "stack resident when the thread starts",
                  "B", before, "mincore() over the thread's stack, before the write");
  const auto g =
      ctx.measure("thread_stack_growth_16k_bytes", "resident growth after using 16 KiB", "B",
                  growth, "mincore() again after writing every 64th byte of 16 KiB");
  ctx.explain("", fmt::format("Of the {} reserved, {} were in memory at the start and {} more "
                              "after the thread used 16 KiB: a stack costs address space up "
                              "front but memory only as deep as it is used (the kernel fills a "
                              "page on the first touch).",
                              bytes_text(static_cast<std::uint64_t>(res.stats.median)),
                              bytes_text(static_cast<std::uint64_t>(b.stats.median)),
                              bytes_text(static_cast<std::uint64_t>(g.stats.median))));
}

void StackLesson::overflow(LessonContext& ctx, bool stacks_distinct) {
  const int reps = std::min(ctx.repeats(3, 1), 5);
  ctx.explain(
      "Running off the end",
      fmt::format("A child process starts a thread with an {} stack, and another child one with "
                  "a {} stack; each thread installs a SIGSEGV handler on an alternate signal "
                  "stack and recurses through a function with a {}-byte local until the stack "
                  "runs out. Depth and frame addresses are written to memory shared with the "
                  "parent at every call, so they survive the child's end.",
                  bytes_text(kBigStack), bytes_text(kSmallStack), kFramePadBytes));
  std::vector<stack::OverflowRun> big, small;
  for (int i = 0; i < reps; ++i) {
    LessonContext::check_interrupted();
    big.push_back(overflow_once(kBigStack));
    small.push_back(overflow_once(kSmallStack));
  }
  auto depths = [](const std::vector<stack::OverflowRun>& runs) {
    std::vector<double> d;
    for (const auto& r : runs) {
      d.push_back(static_cast<double>(r.depth));
    }
    return d;
  };
  const std::string method = "recursion depth reached before the fault, one child per run";
  ctx.measure("overflow_depth_8mib", "frames until overflow, 8 MiB stack", "", depths(big), method);
  ctx.measure("overflow_depth_64kib", "frames until overflow, 64 KiB stack", "", depths(small),
              method);
  report::Table t{
      "overflow",
      "How each overflow ended (last run)",
      {"stack", "frames", "bytes per frame", "frames × bytes", "ended by", "fault in guard page"},
      {},
      ""};
  for (const auto* r : {&big.back(), &small.back()}) {
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
  stack::FixedStackView v;
  v.default_stack = os::default_thread_stack_bytes();
  v.glibc_rule = os::glibc_default_stack_for(os::get_rlimit(RLIMIT_STACK));
  v.big = big.back();
  v.small = small.back();
  ctx.verdict(stack::judge_c21(v));
  ctx.verdict(stack::judge_c09(stacks_distinct, big.back()));
}

}  // namespace

std::unique_ptr<Lesson> make_stack_lesson() {
  return std::make_unique<StackLesson>();
}

}  // namespace conc::lessons
