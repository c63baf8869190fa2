// Lesson `thread`, the kernel's view of threads: per-thread accounts of three threads that do
// different things (C08), and two counting threads that keep going while a third is blocked
// in read() (C11). The lesson itself is in thread.cpp.

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>

#include "lessons/common/lesson.h"
#include "lessons/thread/parts.h"
#include "lessons/thread/thread.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/task_parse.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "report/units.h"

namespace conc::lessons::thread {

namespace {

using std::chrono::milliseconds;
constexpr std::int64_t kMs = 1'000'000;

std::optional<os::TaskStat> task_stat(pid_t tid) {
  return os::read_task_stat(::getpid(), tid);
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

// ---- C08 -------------------------------------------------------------------------------

struct Role {
  const char* name;
  double duty;  // the share of the time it computes
};
const std::array<Role, 3> kRoles = {{{"busy", 1.0}, {"half busy", 0.5}, {"sleeper", 0.0}}};

// What one role does until the deadline (or Ctrl-C): compute all the time, compute 2 ms and
// sleep 2 ms, or sleep 1 ms at a time.
void play(const Role& role, std::int64_t deadline) {
  while (os::monotonic_ns() < deadline && !os::interrupted()) {
    if (role.duty >= 1.0) {
      continue;
    }
    if (role.duty > 0) {
      const auto until = std::min(deadline, os::monotonic_ns() + 2 * kMs);
      while (os::monotonic_ns() < until) {
      }
      std::this_thread::sleep_for(milliseconds(2));
    } else {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
}

std::vector<report::Value> account_row(const Role& role, pid_t tid, ThreadAccount& a) {
  const auto sched = os::read_schedstat(::getpid(), tid).value_or(os::SchedStat{});
  const auto status = os::read_task_status(::getpid(), tid).value_or(os::ProcStatus{});
  const auto stat = task_stat(tid).value_or(os::TaskStat{});
  a = {role.name, role.duty, sched.run_ns, status.voluntary_switches.value_or(0),
       status.involuntary_switches.value_or(0)};
  return {std::string(role.name),
          static_cast<std::int64_t>(tid),
          report::format_ns(static_cast<double>(sched.run_ns)),
          report::format_ns(static_cast<double>(sched.wait_ns)),
          static_cast<std::int64_t>(sched.slices),
          static_cast<std::int64_t>(a.voluntary),
          static_cast<std::int64_t>(a.involuntary),
          std::string(1, stat.state),
          static_cast<std::int64_t>(stat.processor)};
}

// Runs the three roles for `window_ns`, then reads their accounts while they are parked
// (alive, so their /proc/self/task/<tid>/ entries exist).
report::Table play_roles(std::int64_t window_ns, std::vector<ThreadAccount>& accounts) {
  std::vector<long> tids(kRoles.size());
  const auto cpu0 = os::process_cpu_ns();
  const auto deadline = os::monotonic_ns() + window_ns;
  os::ParkedThreads group;
  for (std::size_t i = 0; i < kRoles.size(); ++i) {
    start_or_throw(group, [&, i] {
      tids[i] = os::current_tid();
      play(kRoles[i], deadline);
      group.park();
    });
  }
  wait_or_throw(group, kRoles.size());
  const auto process_ns = os::process_cpu_ns() - cpu0;
  report::Table t{"thread_accounts",
                  fmt::format("Per-thread accounts of process {} (/proc/{}/task/<tid>/)",
                              ::getpid(), ::getpid()),
                  {"thread", "tid", "on CPU", "waiting for a CPU", "times scheduled",
                   "voluntary sw.", "involuntary sw.", "state (parked)", "last CPU"},
                  {},
                  ""};
  std::int64_t sum_ns = 0;
  accounts.resize(kRoles.size());
  for (std::size_t i = 0; i < kRoles.size(); ++i) {
    t.rows.push_back(account_row(kRoles[i], static_cast<pid_t>(tids[i]), accounts[i]));
    sum_ns += accounts[i].run_ns;
  }
  t.note = fmt::format(
      "The three threads add up to {} of CPU, and the whole process (every thread, "
      "CLOCK_PROCESS_CPUTIME_ID) used {} over the same time: the process's CPU time is the sum "
      "of its threads'. The scheduler chose, switched and accounted each tid on its own; the "
      "sleeper gave up the CPU itself (voluntary switches), the busy one was taken off it "
      "(involuntary). State and last CPU are read after the roles ended, while every thread "
      "waits to be joined: S (sleeping), or R for one still on its way to that wait; they "
      "say nothing of the role it played.",
      report::format_ns(static_cast<double>(sum_ns)),
      report::format_ns(static_cast<double>(process_ns)));
  return t;
}

// ---- C11 -------------------------------------------------------------------------------

constexpr int kIntervalMs = 20;
constexpr int kWorkers = 2;

struct alignas(64) Counter {
  std::atomic<long long> n{0};
};

// What the sampling saw: per thread (the workers, then the blocked one) the progress in each
// interval, and the blocked thread's state halfway through its wait.
struct Progress {
  std::vector<std::vector<long long>> deltas = std::vector<std::vector<long long>>(kWorkers + 1);
  long blocked_tid = 0;
  char blocked_state = '?';
  std::string wchan;
};

void count(Counter& c, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    c.n.store(c.n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

// Samples every counter each interval; writes the byte that releases the blocked thread at
// interval `blocked_intervals`.
void sample(Progress& p, std::array<Counter, kWorkers + 1>& counters, os::Pipe& gate,
            int blocked_intervals, int total) {
  std::vector<long long> last(kWorkers + 1, 0);
  for (int k = 0; k < total; ++k) {
    if (k == blocked_intervals) {
      const char byte = 1;
      gate.write_all(&byte, 1);
    }
    os::sleep_interruptible(kIntervalMs * kMs);
    for (std::size_t i = 0; i < counters.size(); ++i) {
      const auto now = counters[i].n.load(std::memory_order_relaxed);
      p.deltas[i].push_back(now - last[i]);
      last[i] = now;
    }
    if (k == blocked_intervals / 2) {
      p.blocked_state = task_stat(static_cast<pid_t>(p.blocked_tid)).value_or(os::TaskStat{}).state;
      p.wchan = os::read_wchan(::getpid(), static_cast<pid_t>(p.blocked_tid)).value_or("");
    }
  }
}

void wait_started(const std::atomic<bool>& started) {
  for (const auto give_up = os::monotonic_ns() + 3'000 * kMs; !started.load();) {
    LessonContext::check_interrupted();
    if (os::monotonic_ns() > give_up) {
      throw std::runtime_error("the blocking thread did not start");
    }
    std::this_thread::yield();
  }
}

Progress run_blocked(int blocked_intervals, int total) {
  std::array<Counter, kWorkers + 1> counters;  // the last one is the blocked thread's
  std::atomic<bool> stop{false};
  os::Pipe gate;
  Progress p;
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
  for (std::size_t i = 0; i < kWorkers; ++i) {
    start_or_throw(threads[i], [&, i] { count(counters[i], stop); });
  }
  std::atomic<bool> blocked_started{false};
  start_or_throw(threads[kWorkers], [&] {
    p.blocked_tid = os::current_tid();
    blocked_started.store(true);
    char byte = 0;
    [[maybe_unused]] const auto got = ::read(gate.read_fd(), &byte, 1);
    count(counters[kWorkers], stop);
  });
  wait_started(blocked_started);
  sample(p, counters, gate, blocked_intervals, total);
  return p;
}

report::Timeline progress_timeline(const Progress& p, int blocked_intervals, ProgressView& v) {
  report::Timeline tl{"blocked_thread", "Progress per sampling interval", kIntervalMs, {}, {}, ""};
  for (std::size_t i = 0; i < p.deltas.size(); ++i) {
    const auto& d = p.deltas[i];
    std::string row;
    for (const auto x : d) {
      row += x > 0 ? "█" : "·";
    }
    tl.rows.push_back(row);
    const auto blocked_end = d.begin() + std::min<std::ptrdiff_t>(blocked_intervals, d.size());
    if (i < kWorkers) {
      tl.row_labels.push_back(fmt::format("worker {}", i + 1));
      const auto active = std::count_if(d.begin(), blocked_end, [](long long x) { return x > 0; });
      v.worker_active_fraction.push_back(static_cast<double>(active) / blocked_intervals);
    } else {
      tl.row_labels.push_back(fmt::format("blocked (tid {})", p.blocked_tid));
      for (auto it = d.begin(); it != d.end(); ++it) {
        (it < blocked_end ? v.blocked_progress_while_blocked : v.blocked_progress_after_release) +=
            *it;
      }
    }
  }
  tl.legend = fmt::format(
      "█ = the counter moved in that interval, · = it did not. The third thread was in state "
      "'{}' ({}){} while blocked; the byte arrived at column {}.",
      p.blocked_state, state_name(p.blocked_state),
      p.wchan.empty() || p.wchan == "0" ? "" : ", waiting in " + p.wchan, blocked_intervals + 1);
  return tl;
}

}  // namespace

report::ClaimVerdict kernel_accounts_experiment(LessonContext& ctx) {
  const auto window_ns = static_cast<std::int64_t>(ctx.size(200, 100)) * kMs;
  ctx.explain(
      "Experiment 3: the kernel keeps accounts per thread",
      fmt::format("Three threads run for {} doing different things: one computes all the time, "
                  "one computes 2 ms then sleeps 2 ms, one sleeps 1 ms at a time. Then each "
                  "one's entries under /proc/self/task/<tid>/ are read: schedstat (time on a "
                  "CPU, time waiting for one, number of times scheduled), status (voluntary and "
                  "involuntary context switches) and stat (state, last CPU).",
                  report::format_ns(static_cast<double>(window_ns))));
  std::vector<ThreadAccount> accounts;
  ctx.report().add(play_roles(window_ns, accounts));
  return judge_c08(accounts);
}

report::ClaimVerdict blocked_thread_experiment(LessonContext& ctx) {
  const int blocked_intervals = ctx.size(15, 6);
  const int after_intervals = ctx.size(4, 3);
  ctx.explain(
      "Experiment 4: a blocked thread holds up only itself",
      fmt::format("Two worker threads count as fast as they can. A third thread first blocks "
                  "in read() on an empty pipe for {} ms, then the lesson writes one byte and it "
                  "counts too. Every {} ms the lesson samples all three counters.",
                  blocked_intervals * kIntervalMs, kIntervalMs));
  const auto p = run_blocked(blocked_intervals, blocked_intervals + after_intervals);
  ProgressView v;
  ctx.report().add(progress_timeline(p, blocked_intervals, v));
  return judge_c11(v);
}

}  // namespace conc::lessons::thread
