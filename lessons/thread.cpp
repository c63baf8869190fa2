// Lesson `thread` (C08-C13): threads of this process seen from their stacks (C09), their
// shared memory (C10), the kernel's per-thread accounts (C08) and a blocked thread among
// running ones (C11); the scheduler experiments (C12, C13) are in thread_sched.cpp.

#include "lessons/thread.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <system_error>
#include <thread>

#include "lessons/lesson.h"
#include "os/child.h"
#include "os/clock.h"
#include "os/interrupt.h"
#include "os/limits.h"
#include "os/parked_threads.h"
#include "os/pipe.h"
#include "os/proc_read.h"
#include "os/task_parse.h"
#include "os/text_file.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using std::chrono::milliseconds;
constexpr auto kWaitLimit = milliseconds(3000);

// C10: the global every thread sees. Relaxed atomics: the threads are ordered by join, so
// there is no race; the atomic only keeps the compiler from caching the value.
constexpr int kOriginal = 7, kWritten = 42, kChildWrote = 99;
std::atomic<int> g_shared{kOriginal};

std::string hex(std::uint64_t a) {
  return fmt::format("{:#x}", a);
}

void start_or_throw(os::ParkedThreads& group, std::function<void()> fn) {
  if (const int err = group.start(std::move(fn)); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_create");
  }
}

void start_or_throw(os::Thread& t, std::function<void()> fn) {
  if (const int err = os::Thread::start(t, std::move(fn)); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_create");
  }
}

void wait_or_throw(os::ParkedThreads& group, std::size_t n) {
  if (!group.wait_parked(n, kWaitLimit)) {
    throw std::runtime_error("threads of the thread lesson did not report in time");
  }
}

std::optional<os::TaskStat> task_stat(pid_t tid) {
  auto text = os::read_text_file(fmt::format("/proc/{}/task/{}/stat", ::getpid(), tid));
  return text ? os::parse_task_stat(*text) : std::nullopt;
}

const char* state_name(char state) {
  switch (state) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping: waiting for an event";
    case 'D':
      return "uninterruptible wait";
    default:
      return "see proc(5)";
  }
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
    cmd.add_option("--threads", threads_, "Threads whose stacks are shown (2-16)")
        ->type_name("N")
        ->check(whole_number(2, 16));
    cmd.add_option("--busy-threads", busy_threads_,
                   "Spinning threads of the many-thread process in the CPU-share test (2-16)")
        ->type_name("N")
        ->check(whole_number(2, 16));
    cmd.add_option("--window-ms", window_ms_,
                   fmt::format("Length of one CPU-share window (20-1000 ms; default and least: "
                               "{} scheduler ticks, 100 ms at HZ 250)",
                               thread::kMinTicksPerWindow))
        ->type_name("MS")
        ->check(whole_number(20, 1000));
  }
  void run(LessonContext& ctx) override;

 private:
  report::ClaimVerdict own_stacks(LessonContext& ctx);
  report::ClaimVerdict shared_memory(LessonContext& ctx);
  report::ClaimVerdict kernel_accounts(LessonContext& ctx);
  report::ClaimVerdict blocked_thread(LessonContext& ctx);
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
  // The experiments' verdicts are kept for the end of the lesson, in claim order.
  std::vector<report::ClaimVerdict> verdicts;
  verdicts.push_back(own_stacks(ctx));
  LessonContext::check_interrupted();
  verdicts.push_back(shared_memory(ctx));
  LessonContext::check_interrupted();
  verdicts.push_back(kernel_accounts(ctx));
  LessonContext::check_interrupted();
  verdicts.push_back(blocked_thread(ctx));
  LessonContext::check_interrupted();
  verdicts.push_back(thread::cpu_share_experiment(ctx, busy_threads_, window_ms_));
  LessonContext::check_interrupted();
  verdicts.push_back(thread::parallel_experiment(ctx, ctx.size(240, 120)));
  std::stable_sort(verdicts.begin(), verdicts.end(),
                   [](const auto& a, const auto& b) { return a.claim < b.claim; });
  for (auto& v : verdicts) {
    ctx.verdict(std::move(v));
  }
}

report::ClaimVerdict ThreadLesson::own_stacks(LessonContext& ctx) {
  const int n = threads_;
  const auto stack_bytes = os::default_thread_stack_bytes();
  ctx.explain("Experiment 1: each thread has its own stack",
              fmt::format("{} threads start with the default stack size ({}) and each takes the "
                          "address of a local variable, then waits. While they wait, the lesson "
                          "finds those addresses in /proc/self/maps.",
                          n, report::format_bytes(static_cast<double>(stack_bytes))));
  struct Seen {
    long tid = 0;
    std::uint64_t local = 0;
  };
  std::vector<Seen> seen(static_cast<std::size_t>(n));
  os::ParkedThreads group;
  for (int i = 0; i < n; ++i) {
    start_or_throw(group, [&, i] {
      volatile int local = i;
      // Published before park(), which takes the group's mutex: the main thread reads it
      // after wait_parked() took the same mutex.
      seen[static_cast<std::size_t>(i)] = {os::current_tid(),
                                           reinterpret_cast<std::uintptr_t>(&local)};
      group.park();
      static_cast<void>(local);
    });
  }
  wait_or_throw(group, static_cast<std::size_t>(n));
  volatile int main_local = 0;
  const auto maps = os::read_maps(::getpid());
  std::vector<thread::StackView> views;
  auto view_of = [&](long tid, std::uint64_t local) {
    thread::StackView v{tid, local, 0, 0, 0};
    if (auto m = os::find_mapping(maps, local)) {
      v.map_start = maps[*m].start;
      v.map_end = maps[*m].end;
      if (auto g = os::guard_below(maps, *m)) {
        v.guard_bytes = maps[*g].size();
      }
    }
    return v;
  };
  for (const auto& s : seen) {
    views.push_back(view_of(s.tid, s.local));
  }
  const auto main_view = view_of(os::current_tid(), reinterpret_cast<std::uintptr_t>(&main_local));
  group.join_all();

  auto sorted = views;
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.local > b.local; });
  report::Table t{
      "thread_stacks",
      "Where each thread's local variable lives (/proc/self/maps)",
      {"thread", "tid", "&local", "its mapping", "size", "guard below", "to next thread's local"},
      {},
      ""};
  auto mapping_text = [](const thread::StackView& v) {
    return v.map_end > v.map_start ? hex(v.map_start) + "-" + hex(v.map_end) : std::string("-");
  };
  t.rows.push_back(
      {std::string("main (this lesson)"), static_cast<std::int64_t>(main_view.tid),
       hex(main_view.local), mapping_text(main_view),
       report::format_bytes(static_cast<double>(main_view.map_end - main_view.map_start)),
       main_view.guard_bytes > 0 ? report::format_bytes(static_cast<double>(main_view.guard_bytes))
                                 : std::string("none: [stack] grows down on demand"),
       std::string("")});
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& v = sorted[i];
    t.rows.push_back({fmt::format("thread {}", i + 1), static_cast<std::int64_t>(v.tid),
                      hex(v.local), mapping_text(v),
                      report::format_bytes(static_cast<double>(v.map_end - v.map_start)),
                      v.guard_bytes > 0 ? report::format_bytes(static_cast<double>(v.guard_bytes))
                                        : std::string("none"),
                      i + 1 < sorted.size()
                          ? report::format_bytes(static_cast<double>(v.local - sorted[i + 1].local))
                          : std::string("")});
  }
  t.note = fmt::format(
      "Every thread's local is at the same offset in a different {} mapping. glibc reserves "
      "each stack with one mmap of stack + guard ({} + {} here) and the kernel places them next "
      "to each other, so neighbouring locals sit exactly that far apart. The guard page is "
      "mapped with no access (---p): running off the end of a stack faults there instead of "
      "silently writing into the next thread's stack.",
      report::format_bytes(static_cast<double>(stack_bytes)),
      report::format_bytes(static_cast<double>(stack_bytes)),
      report::format_bytes(static_cast<double>(os::page_size())));
  ctx.report().add(std::move(t));
  return thread::judge_c09(views, stack_bytes);
}

report::ClaimVerdict ThreadLesson::shared_memory(LessonContext& ctx) {
  ctx.explain("Experiment 2: one address space for all threads, not for a child",
              fmt::format("A global variable holds {}. Thread W stores {} in it; after W has "
                          "ended, thread R reads it. Then a child process forked from this one "
                          "stores {} at the very same address.",
                          kOriginal, kWritten, kChildWrote));
  g_shared.store(kOriginal, std::memory_order_relaxed);
  thread::SharingView v;
  v.original = kOriginal;
  v.written = kWritten;
  v.child_wrote = kChildWrote;
  long writer_tid = 0, reader_tid = 0;
  {
    os::Thread w;
    start_or_throw(w, [&] {
      writer_tid = os::current_tid();
      g_shared.store(kWritten, std::memory_order_relaxed);
      v.writer_address = reinterpret_cast<std::uintptr_t>(&g_shared);
    });
  }  // joined: everything W did happens before what follows
  {
    os::Thread r;
    start_or_throw(r, [&] {
      reader_tid = os::current_tid();
      v.reader_saw = g_shared.load(std::memory_order_relaxed);
      v.reader_address = reinterpret_cast<std::uintptr_t>(&g_shared);
    });
  }
  struct ChildSaw {
    long pid = 0;
    std::uint64_t address = 0;
    int value = 0;
  } child_saw;
  os::Pipe results;
  auto child = os::ChildProcess::spawn([&] {
    g_shared.store(kChildWrote, std::memory_order_relaxed);
    const ChildSaw s{::getpid(), reinterpret_cast<std::uintptr_t>(&g_shared),
                     g_shared.load(std::memory_order_relaxed)};
    return results.send(s) ? 0 : 1;
  });
  if (!results.receive(child_saw, kWaitLimit)) {
    throw std::runtime_error("the writing child did not report (" + child.kill().describe() + ")");
  }
  child.wait();
  v.child_address = child_saw.address;
  v.parent_saw_after_child = g_shared.load(std::memory_order_relaxed);

  report::Table t{"shared_global",
                  "One global variable, two threads and a child process",
                  {"who", "tid / pid", "&global", "action", "value"},
                  {},
                  ""};
  t.rows = {
      {std::string("thread W"), static_cast<std::int64_t>(writer_tid), hex(v.writer_address),
       std::string("stored"), static_cast<std::int64_t>(kWritten)},
      {std::string("thread R"), static_cast<std::int64_t>(reader_tid), hex(v.reader_address),
       std::string("read"), static_cast<std::int64_t>(v.reader_saw)},
      {std::string("child process"), static_cast<std::int64_t>(child_saw.pid),
       hex(child_saw.address), std::string("stored"), static_cast<std::int64_t>(child_saw.value)},
      {std::string("parent, after the child"), static_cast<std::int64_t>(::getpid()),
       hex(reinterpret_cast<std::uintptr_t>(&g_shared)), std::string("read"),
       static_cast<std::int64_t>(v.parent_saw_after_child)},
  };
  t.note =
      "The threads use one page table, so an address means the same memory in both. The child "
      "got a copy of the address space at fork: same addresses, its own pages once it writes.";
  ctx.report().add(std::move(t));
  return thread::judge_c10(v);
}

report::ClaimVerdict ThreadLesson::kernel_accounts(LessonContext& ctx) {
  const auto window_ns = static_cast<std::int64_t>(ctx.size(200, 100)) * 1'000'000;
  ctx.explain(
      "Experiment 3: the kernel keeps accounts per thread",
      fmt::format("Three threads run for {} doing different things: one computes all the time, "
                  "one computes 2 ms then sleeps 2 ms, one sleeps 1 ms at a time. Then each "
                  "one's entries under /proc/self/task/<tid>/ are read: schedstat (time on a "
                  "CPU, time waiting for one, number of times scheduled), status (voluntary and "
                  "involuntary context switches) and stat (state, last CPU).",
                  report::format_ns(static_cast<double>(window_ns))));
  struct Role {
    const char* name;
    double duty;
  };
  const std::vector<Role> roles = {{"busy", 1.0}, {"half busy", 0.5}, {"sleeper", 0.0}};
  std::vector<long> tids(roles.size());
  const auto cpu0 = os::process_cpu_ns();
  const auto deadline = os::monotonic_ns() + window_ns;
  os::ParkedThreads group;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    start_or_throw(group, [&, i] {
      tids[i] = os::current_tid();
      const double duty = roles[i].duty;
      while (os::monotonic_ns() < deadline && !os::interrupted()) {
        if (duty >= 1.0) {
          continue;
        }
        if (duty > 0) {
          const auto until = std::min(deadline, os::monotonic_ns() + 2'000'000);
          while (os::monotonic_ns() < until) {
          }
          std::this_thread::sleep_for(milliseconds(2));
        } else {
          std::this_thread::sleep_for(milliseconds(1));
        }
      }
      group.park();
    });
  }
  wait_or_throw(group, roles.size());
  const auto process_ns = os::process_cpu_ns() - cpu0;
  std::vector<thread::ThreadAccount> accounts;
  report::Table t{"thread_accounts",
                  fmt::format("Per-thread accounts of process {} (/proc/{}/task/<tid>/)",
                              ::getpid(), ::getpid()),
                  {"thread", "tid", "on CPU", "waiting for a CPU", "times scheduled",
                   "voluntary sw.", "involuntary sw.", "state", "last CPU"},
                  {},
                  ""};
  std::int64_t sum_ns = 0;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    const pid_t tid = static_cast<pid_t>(tids[i]);
    const auto sched = os::read_schedstat(::getpid(), tid).value_or(os::SchedStat{});
    const auto status = os::read_task_status(::getpid(), tid).value_or(os::ProcStatus{});
    const auto stat = task_stat(tid).value_or(os::TaskStat{});
    thread::ThreadAccount a{roles[i].name, roles[i].duty, sched.run_ns,
                            status.voluntary_switches.value_or(0),
                            status.involuntary_switches.value_or(0)};
    sum_ns += a.run_ns;
    t.rows.push_back({std::string(roles[i].name), static_cast<std::int64_t>(tid),
                      report::format_ns(static_cast<double>(sched.run_ns)),
                      report::format_ns(static_cast<double>(sched.wait_ns)),
                      static_cast<std::int64_t>(sched.slices),
                      static_cast<std::int64_t>(a.voluntary),
                      static_cast<std::int64_t>(a.involuntary), std::string(1, stat.state),
                      static_cast<std::int64_t>(stat.processor)});
    accounts.push_back(std::move(a));
  }
  group.join_all();
  t.note = fmt::format(
      "The three threads add up to {} of CPU, and the whole process (every thread, "
      "CLOCK_PROCESS_CPUTIME_ID) used {} over the same time: the process's CPU time is the sum "
      "of its threads'. The scheduler chose, switched and accounted each tid on its own; the "
      "sleeper gave up the CPU itself (voluntary switches), the busy one was taken off it "
      "(involuntary).",
      report::format_ns(static_cast<double>(sum_ns)),
      report::format_ns(static_cast<double>(process_ns)));
  ctx.report().add(std::move(t));
  return thread::judge_c08(accounts);
}

report::ClaimVerdict ThreadLesson::blocked_thread(LessonContext& ctx) {
  constexpr int kIntervalMs = 20;
  const int blocked_intervals = ctx.size(15, 6);
  const int after_intervals = ctx.size(4, 3);
  ctx.explain(
      "Experiment 4: a blocked thread holds up only itself",
      fmt::format("Two worker threads count as fast as they can. A third thread first blocks "
                  "in read() on an empty pipe for {} ms, then the lesson writes one byte and it "
                  "counts too. Every {} ms the lesson samples all three counters.",
                  blocked_intervals * kIntervalMs, kIntervalMs));
  struct alignas(64) Counter {
    std::atomic<long long> n{0};
  };
  constexpr int kWorkers = 2;
  std::array<Counter, kWorkers + 1> counters;  // the last one is the blocked thread's
  std::atomic<bool> stop{false};
  os::Pipe gate;
  long blocked_tid = 0;
  std::vector<os::Thread> threads(kWorkers + 1);
  // Declared after the threads, so destroyed first: stop everything, then the threads join.
  struct StopAll {
    std::atomic<bool>& stop;
    os::Pipe& gate;
    ~StopAll() {
      stop.store(true);
      gate.close_write();
    }
  } stop_all{stop, gate};
  auto count = [&](Counter& c) {
    while (!stop.load(std::memory_order_relaxed)) {
      c.n.store(c.n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  };
  for (int i = 0; i < kWorkers; ++i) {
    start_or_throw(threads[static_cast<std::size_t>(i)], [&, i] { count(counters[i]); });
  }
  std::atomic<bool> blocked_started{false};
  start_or_throw(threads[kWorkers], [&] {
    blocked_tid = os::current_tid();
    blocked_started.store(true);
    char byte = 0;
    [[maybe_unused]] const auto got = ::read(gate.read_fd(), &byte, 1);
    count(counters[kWorkers]);
  });
  for (const auto give_up = os::monotonic_ns() + 3'000'000'000; !blocked_started.load();) {
    LessonContext::check_interrupted();
    if (os::monotonic_ns() > give_up) {
      throw std::runtime_error("the blocking thread did not start");
    }
    std::this_thread::yield();
  }
  std::vector<std::vector<long long>> deltas(kWorkers + 1);
  std::vector<long long> last(kWorkers + 1, 0);
  char blocked_state = '?';
  std::string wchan;
  const int total = blocked_intervals + after_intervals;
  for (int k = 0; k < total; ++k) {
    if (k == blocked_intervals) {
      const char byte = 1;
      gate.write_all(&byte, 1);
    }
    os::sleep_interruptible(kIntervalMs * 1'000'000LL);
    for (int i = 0; i <= kWorkers; ++i) {
      const auto now = counters[static_cast<std::size_t>(i)].n.load(std::memory_order_relaxed);
      deltas[static_cast<std::size_t>(i)].push_back(now - last[static_cast<std::size_t>(i)]);
      last[static_cast<std::size_t>(i)] = now;
    }
    if (k == blocked_intervals / 2) {
      blocked_state = task_stat(static_cast<pid_t>(blocked_tid)).value_or(os::TaskStat{}).state;
      wchan = os::read_first_line(fmt::format("/proc/{}/task/{}/wchan", ::getpid(), blocked_tid))
                  .value_or("");
    }
  }
  thread::ProgressView p;
  report::Timeline tl{"blocked_thread",
                      "Progress per sampling interval",
                      static_cast<double>(kIntervalMs),
                      {},
                      {},
                      ""};
  for (int i = 0; i <= kWorkers; ++i) {
    const auto& d = deltas[static_cast<std::size_t>(i)];
    std::string row;
    for (const auto x : d) {
      row += x > 0 ? "█" : "·";
    }
    tl.rows.push_back(row);
    if (i < kWorkers) {
      tl.row_labels.push_back(fmt::format("worker {}", i + 1));
      const auto active = std::count_if(d.begin(), d.begin() + blocked_intervals,
                                        [](long long x) { return x > 0; });
      p.worker_active_fraction.push_back(static_cast<double>(active) / blocked_intervals);
    } else {
      tl.row_labels.push_back(fmt::format("blocked (tid {})", blocked_tid));
      for (int k = 0; k < total; ++k) {
        (k < blocked_intervals ? p.blocked_progress_while_blocked
                               : p.blocked_progress_after_release) +=
            d[static_cast<std::size_t>(k)];
      }
    }
  }
  tl.legend = fmt::format(
      "█ = the counter moved in that interval, · = it did not. The third thread was in state "
      "'{}' ({}){} while blocked; the byte arrived at column {}.",
      blocked_state, state_name(blocked_state),
      wchan.empty() || wchan == "0" ? "" : ", waiting in " + wchan, blocked_intervals + 1);
  ctx.report().add(std::move(tl));
  return thread::judge_c11(p);
}

}  // namespace

std::unique_ptr<Lesson> make_thread_lesson() {
  return std::make_unique<ThreadLesson>();
}

}  // namespace conc::lessons
