// Lesson `thread` (C08-C13): threads of this process seen from their stacks (C09) and their
// shared memory (C10). The kernel's per-thread accounts (C08) and a blocked thread among
// running ones (C11) are in thread_accounts.cpp, the scheduler experiments (C12, C13) in
// thread_sched.cpp; the verdicts come at the end, in claim order.

#include "lessons/thread/thread.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/thread/parts.h"
#include "os/procfs/limits.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/task_parse.h"
#include "os/sys/child.h"
#include "os/sys/pipe.h"
#include "os/workloads/parked_threads.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using thread::start_or_throw;
using thread::wait_or_throw;
constexpr auto kChildLimit = thread::kThreadsReportLimit;

// C10: the global every thread sees. Relaxed atomics: the threads are ordered by join, so
// there is no race; the atomic only keeps the compiler from caching the value.
constexpr int kOriginal = 7, kWritten = 42, kChildWrote = 99;
std::atomic<int> g_shared{kOriginal};

std::string hex(std::uint64_t a) {
  return fmt::format("{:#x}", a);
}

// ---- C09 -------------------------------------------------------------------------------

// Where the main thread's and n parked threads' locals live, read from /proc/self/maps while
// every thread is alive.
struct StackSighting {
  thread::StackView main;
  std::vector<thread::StackView> threads;
};

thread::StackView view_of(const std::vector<os::Mapping>& maps, long tid, std::uint64_t local) {
  thread::StackView v{tid, local, 0, 0, 0};
  if (auto m = os::find_mapping(maps, local)) {
    v.map_start = maps[*m].start;
    v.map_end = maps[*m].end;
    if (auto g = os::guard_below(maps, *m)) {
      v.guard_bytes = maps[*g].size();
    }
  }
  return v;
}

StackSighting sight_thread_stacks(int n) {
  struct Seen {
    long tid = 0;
    std::uint64_t local = 0;
  };
  std::vector<Seen> seen(static_cast<std::size_t>(n));
  os::ParkedThreads group;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    start_or_throw(group, [&, i] {
      volatile int local = static_cast<int>(i);
      // Published before park(), which takes the group's mutex: the main thread reads it
      // after wait_parked() took the same mutex.
      seen[i] = {os::current_tid(), reinterpret_cast<std::uintptr_t>(&local)};
      group.park();
      static_cast<void>(local);
    });
  }
  wait_or_throw(group, seen.size());
  volatile int main_local = 0;
  const auto maps = os::read_maps(::getpid());
  StackSighting s;
  for (const auto& t : seen) {
    s.threads.push_back(view_of(maps, t.tid, t.local));
  }
  s.main = view_of(maps, os::current_tid(), reinterpret_cast<std::uintptr_t>(&main_local));
  return s;
}

std::string mapping_text(const thread::StackView& v) {
  return v.map_end > v.map_start ? hex(v.map_start) + "-" + hex(v.map_end) : std::string("-");
}

std::string bytes_text(std::uint64_t b) {
  return report::format_bytes(static_cast<double>(b));
}

report::Table stacks_table(const StackSighting& s, std::uint64_t stack_bytes) {
  auto sorted = s.threads;
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.local > b.local; });
  report::Table t{
      "thread_stacks",
      "Where each thread's local variable lives (/proc/self/maps)",
      {"thread", "tid", "&local", "its mapping", "size", "guard below", "to next thread's local"},
      {},
      ""};
  t.rows.push_back({std::string("main (this lesson)"), static_cast<std::int64_t>(s.main.tid),
                    hex(s.main.local), mapping_text(s.main),
                    bytes_text(s.main.map_end - s.main.map_start),
                    s.main.guard_bytes > 0 ? bytes_text(s.main.guard_bytes)
                                           : std::string("kernel gap, not in maps"),
                    std::string("")});
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& v = sorted[i];
    t.rows.push_back(
        {fmt::format("thread {}", i + 1), static_cast<std::int64_t>(v.tid), hex(v.local),
         mapping_text(v), bytes_text(v.map_end - v.map_start),
         v.guard_bytes > 0 ? bytes_text(v.guard_bytes) : std::string("none"),
         i + 1 < sorted.size() ? bytes_text(v.local - sorted[i + 1].local) : std::string("")});
  }
  t.note = fmt::format(
      "Every thread's local is at the same offset in a different {} mapping. glibc reserves "
      "each stack with one mmap of stack + guard ({} + {} here) and the kernel places them next "
      "to each other, so neighbouring locals sit exactly that far apart. The guard page is "
      "mapped with no access (---p): running off the end of a stack faults there instead of "
      "silently writing into the next thread's stack. The main thread's [stack] has no guard "
      "mapping: it grows down on demand, and the kernel keeps a gap below it that no other "
      "mapping may take (stack_guard_gap, 256 pages by default), which maps does not list.",
      bytes_text(stack_bytes), bytes_text(stack_bytes), bytes_text(os::page_size()));
  return t;
}

// ---- C10 -------------------------------------------------------------------------------

struct ChildSaw {
  long pid = 0;
  std::uint64_t address = 0;
  int value = 0;
};

struct Sharing {
  thread::SharingView view;
  long writer_tid = 0, reader_tid = 0;
  ChildSaw child;
};

// Thread W writes the global and ends; then thread R reads it.
void write_then_read(Sharing& s) {
  g_shared.store(kOriginal, std::memory_order_relaxed);
  {
    os::Thread w;
    start_or_throw(w, [&] {
      s.writer_tid = os::current_tid();
      g_shared.store(kWritten, std::memory_order_relaxed);
      s.view.writer_address = reinterpret_cast<std::uintptr_t>(&g_shared);
    });
  }  // joined: everything W did happens before what follows
  os::Thread r;
  start_or_throw(r, [&] {
    s.reader_tid = os::current_tid();
    s.view.reader_saw = g_shared.load(std::memory_order_relaxed);
    s.view.reader_address = reinterpret_cast<std::uintptr_t>(&g_shared);
  });
}

// A forked child writes the global at the same address; the parent reads it afterwards.
void child_writes(Sharing& s) {
  os::Pipe results;
  auto child = os::ChildProcess::spawn([&] {
    g_shared.store(kChildWrote, std::memory_order_relaxed);
    const ChildSaw saw{::getpid(), reinterpret_cast<std::uintptr_t>(&g_shared),
                       g_shared.load(std::memory_order_relaxed)};
    return results.send(saw) ? 0 : 1;
  });
  if (!results.receive(s.child, kChildLimit)) {
    throw std::runtime_error("the writing child did not report (" + child.kill().describe() + ")");
  }
  child.wait();
  s.view.child_address = s.child.address;
  s.view.parent_saw_after_child = g_shared.load(std::memory_order_relaxed);
}

report::Table sharing_table(const Sharing& s) {
  const auto& v = s.view;
  report::Table t{"shared_global",
                  "One global variable, two threads and a child process",
                  {"who", "tid / pid", "&global", "action", "value"},
                  {},
                  ""};
  t.rows = {
      {std::string("thread W"), static_cast<std::int64_t>(s.writer_tid), hex(v.writer_address),
       std::string("stored"), static_cast<std::int64_t>(kWritten)},
      {std::string("thread R"), static_cast<std::int64_t>(s.reader_tid), hex(v.reader_address),
       std::string("read"), static_cast<std::int64_t>(v.reader_saw)},
      {std::string("child process"), static_cast<std::int64_t>(s.child.pid), hex(s.child.address),
       std::string("stored"), static_cast<std::int64_t>(s.child.value)},
      {std::string("parent, after the child"), static_cast<std::int64_t>(::getpid()),
       hex(reinterpret_cast<std::uintptr_t>(&g_shared)), std::string("read"),
       static_cast<std::int64_t>(v.parent_saw_after_child)},
  };
  t.note =
      "The threads use one page table, so an address means the same memory in both. The child "
      "got a copy of the address space at fork: same addresses, its own pages once it writes.";
  return t;
}

class ThreadLesson final : public Lesson {
 public:
  std::string_view name() const override { return "thread"; }
  std::string_view title() const override {
    return "A thread: its own stack and CPU time, everything else shared";
  }
  std::vector<std::string_view> claims() const override {
    return {"C08", "C09", "C10", "C11", "C12", "C13"};
  }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--threads", threads_, "Threads whose stacks are shown")
        ->type_name("N")
        ->check(whole_number(2, 16));
    cmd.add_option("--busy-threads", busy_threads_,
                   "Spinning threads of the many-thread process in the CPU-share test")
        ->type_name("N")
        ->check(whole_number(2, 16));
    cmd.add_option(
           "--window-ms", window_ms_,
           fmt::format("Length of one CPU-share window in milliseconds (default and least: "
                       "{} scheduler ticks: {} ms at HZ {}, the HZ assumed when "
                       "CONFIG_HZ is unreadable)",
                       thread::kMinTicksPerWindow,
                       thread::kMinTicksPerWindow * 1000 / thread::kAssumedHz, thread::kAssumedHz))
        ->type_name("MS")
        ->check(whole_number(20, 1000));
  }
  void run(LessonContext& ctx) override;

 private:
  report::ClaimVerdict own_stacks(LessonContext& ctx);
  report::ClaimVerdict shared_memory(LessonContext& ctx);
  int threads_ = 4;
  int busy_threads_ = 4;
  int window_ms_ = 0;
};

void ThreadLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "A thread is a path of execution inside a process: its own registers, its own "
              "stack and its own place in the scheduler, while the address space, open files "
              "and everything else belong to the process and are shared by all its threads. "
              "On Linux each thread is a task with a tid of its own.");
  // The experiments' verdicts are kept for the end of the lesson, in claim order. Each
  // experiment is a part: --step pauses on its section before it runs, and may skip it (its
  // verdict is then missing) or run it again.
  std::vector<report::ClaimVerdict> verdicts;
  const auto experiment = [&](const std::string& progress, const auto& run) {
    std::optional<report::ClaimVerdict> verdict;
    ctx.part([&] {
      if (!progress.empty()) {
        ctx.progress(progress);
      }
      verdict = run();
    });
    if (verdict) {
      verdicts.push_back(std::move(*verdict));
    }
    LessonContext::check_interrupted();
  };
  experiment("", [&] { return own_stacks(ctx); });
  experiment("", [&] { return shared_memory(ctx); });
  experiment("thread: each thread's own CPU time and switches",
             [&] { return thread::kernel_accounts_experiment(ctx); });
  experiment("thread: a blocked thread among running ones",
             [&] { return thread::blocked_thread_experiment(ctx); });
  experiment("thread: the CPU share of a 4-thread and a 1-thread process",
             [&] { return thread::cpu_share_experiment(ctx, busy_threads_, window_ms_); });
  experiment("thread: which CPU each thread ran on, pinned then free",
             [&] { return thread::parallel_experiment(ctx, ctx.size(240, 120)); });
  std::stable_sort(verdicts.begin(), verdicts.end(),
                   [](const auto& a, const auto& b) { return a.claim < b.claim; });
  for (auto& v : verdicts) {
    ctx.verdict(std::move(v));
  }
}

report::ClaimVerdict ThreadLesson::own_stacks(LessonContext& ctx) {
  const auto stack_bytes = os::default_thread_stack_bytes();
  ctx.explain("Experiment 1: each thread has its own stack",
              fmt::format("{} threads start with the default stack size ({}) and each takes the "
                          "address of a local variable, then waits. While they wait, the lesson "
                          "finds those addresses in /proc/self/maps.",
                          threads_, report::format_bytes(static_cast<double>(stack_bytes))));
  const auto s = sight_thread_stacks(threads_);
  ctx.report().add(stacks_table(s, stack_bytes));
  return thread::judge_c09(s.threads, stack_bytes);
}

report::ClaimVerdict ThreadLesson::shared_memory(LessonContext& ctx) {
  ctx.explain("Experiment 2: one address space for all threads, not for a child",
              fmt::format("A global variable holds {}. Thread W stores {} in it; after W has "
                          "ended, thread R reads it. Then a child process forked from this one "
                          "stores {} at the very same address.",
                          kOriginal, kWritten, kChildWrote));
  Sharing s;
  s.view.original = kOriginal;
  s.view.written = kWritten;
  s.view.child_wrote = kChildWrote;
  write_then_read(s);
  child_writes(s);
  ctx.report().add(sharing_table(s));
  return thread::judge_c10(s.view);
}

}  // namespace

std::unique_ptr<Lesson> make_thread_lesson() {
  return std::make_unique<ThreadLesson>();
}

}  // namespace conc::lessons
