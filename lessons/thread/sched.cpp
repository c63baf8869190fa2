// Lesson `thread`, the scheduler experiments: who gets the CPU when a 4-thread process and a
// 1-thread process share one (C12, with and without autogroup's per-session split), and
// which CPU each thread ran on over time, pinned and free (C13).

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "lessons/common/lesson.h"
#include "lessons/thread/thread.h"
#include "os/procfs/cpu_list.h"
#include "os/procfs/cpu_usage.h"
#include "os/procfs/proc_parse.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/sysinfo.h"
#include "os/procfs/system_wide.h"
#include "os/procfs/task_parse.h"
#include "os/sys/affinity.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "os/workloads/parked_threads.h"
#include "report/units.h"

namespace conc::lessons::thread {

namespace {

using std::chrono::milliseconds;
constexpr auto kReadyTimeout = milliseconds(3000);
constexpr std::int64_t kMs = 1'000'000;
constexpr int kWarmupMs = 30;
// A spinning thread that sees its clock jump by more than this was off the CPU meanwhile
// (a switch takes microseconds; another task's turn lasts at least a slice, here ~1 ms).
constexpr std::int64_t kOffCpuGapNs = 50'000;
constexpr std::size_t kMaxRunsPerPhase = 20'000;
constexpr int kTimelineColumns = 60;
// Between the phases each thread sleeps this long, so that it is placed afresh when it wakes.
constexpr std::int64_t kWakeNs = 1'000'000;

// The spinning children and threads cannot throw: they stop early once Ctrl-C has been seen
// and let the lesson's own thread throw (the children also die of the SIGINT itself).
void spin_until(std::int64_t deadline_ns) {
  while (os::monotonic_ns() < deadline_ns && !os::interrupted()) {
  }
}

// For the recording threads: sleeps to an absolute deadline (so that they all start together)
// in slices of at most 50 ms; false if Ctrl-C came first.
bool sleep_until(std::int64_t deadline_ns) {
  while (!os::interrupted()) {
    const auto now = os::monotonic_ns();
    if (now >= deadline_ns) {
      return true;
    }
    const auto until = std::min(deadline_ns, now + 50 * kMs);
    const timespec ts{static_cast<time_t>(until / 1'000'000'000),
                      static_cast<long>(until % 1'000'000'000)};
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
  }
  return false;
}

// The lesson's own thread waits like this: Ctrl-C throws os::Interrupted.
void wait_until(std::int64_t deadline_ns) {
  os::sleep_interruptible(deadline_ns - os::monotonic_ns());
}

// ---- C12 -------------------------------------------------------------------------------

struct Ready {
  long pid = 0, sid = 0;
  int threads = 0;
  int setsid_errno = 0;
};

// A child that pins itself to `cpu`, optionally starts a session of its own, and keeps
// `threads` threads spinning until the deadline (the parent kills it sooner).
int busy_child(int threads, int cpu, bool own_session, std::int64_t deadline, os::Pipe& ready) {
  Ready r;
  if (own_session && ::setsid() < 0) {
    r.setsid_errno = errno;
  }
  os::pin_current_thread(cpu);  // threads started below inherit the affinity
  std::vector<os::Thread> spinners(static_cast<std::size_t>(threads - 1));
  r.threads = 1;
  for (auto& t : spinners) {
    if (os::Thread::start(t, [deadline] { spin_until(deadline); }) == 0) {
      ++r.threads;
    }
  }
  r.pid = ::getpid();
  r.sid = ::getsid(0);
  const bool sent = ready.send(r);
  spin_until(deadline);
  return sent ? 0 : 1;
}

std::int64_t process_run_ns(pid_t pid) {
  std::int64_t sum = 0;
  for (const pid_t tid : os::list_tasks(pid)) {
    sum += os::read_schedstat(pid, tid).value_or(os::SchedStat{}).run_ns;
  }
  return sum;
}

std::optional<os::Autogroup> autogroup_of(pid_t pid) {
  return os::read_autogroup(pid);
}

std::string group_text(const std::optional<os::Autogroup>& g) {
  return g ? fmt::format("/autogroup-{}", g->id) : std::string("?");
}

// The scheduler tick, from the kernel's build config (read once, in the run's SystemInfo);
// kAssumedHz (source "") when unreadable.
struct Tick {
  int hz = kAssumedHz;
  std::string source;
};
Tick kernel_tick(const os::SystemInfo& info) {
  Tick t;
  if (info.config_hz && *info.config_hz > 0) {
    t.hz = *info.config_hz;
    t.source = info.config_hz_source;
  }
  return t;
}

struct RoundResult {
  std::vector<double> window_ratios;                  // the spread
  std::int64_t many_ns = 0, one_ns = 0, wall_ns = 0;  // summed over the windows
  std::optional<os::Autogroup> many_group, one_group;
  Ready many, one;
  std::vector<std::vector<report::Value>> rows;
  // A round where the single thread got nothing at all counts as 1 µs, not as infinity.
  double ratio() const {
    return static_cast<double>(many_ns) / std::max(static_cast<double>(one_ns), 1000.0);
  }
  double share(std::int64_t ns) const {
    return wall_ns > 0 ? static_cast<double>(ns) / static_cast<double>(wall_ns) : 0;
  }
};

// Adds up both children's CPU time over `windows` windows of `window_ms`.
void measure_windows(RoundResult& r, pid_t many, pid_t one, int windows, int window_ms) {
  for (int k = 0; k < windows; ++k) {
    const auto w0 = os::monotonic_ns();
    const auto m0 = process_run_ns(many), o0 = process_run_ns(one);
    os::sleep_interruptible(window_ms * kMs);
    const auto dm = process_run_ns(many) - m0, d1 = process_run_ns(one) - o0;
    r.wall_ns += os::monotonic_ns() - w0;
    r.many_ns += dm;
    r.one_ns += d1;
    r.window_ratios.push_back(static_cast<double>(dm) / std::max(static_cast<double>(d1), 1000.0));
  }
}

// One table row per thread of the child: its account at the end of the round.
void add_task_rows(RoundResult& r, pid_t pid, const std::string& round) {
  const auto tids = os::list_tasks(pid);
  for (const pid_t tid : tids) {
    const auto s = os::read_schedstat(pid, tid).value_or(os::SchedStat{});
    const auto st = os::read_task_status(pid, tid).value_or(os::ProcStatus{});
    r.rows.push_back(
        {round, fmt::format("{} ({} thread{})", pid, tids.size(), tids.size() == 1 ? "" : "s"),
         static_cast<std::int64_t>(tid), report::format_ns(static_cast<double>(s.run_ns)),
         static_cast<std::int64_t>(s.slices),
         static_cast<std::int64_t>(st.involuntary_switches.value_or(0))});
  }
}

RoundResult share_round(LessonContext& ctx, int busy, bool own_session, int window_ms, int windows,
                        const std::string& round) {
  const int cpu = ctx.cpu();
  const auto deadline = os::monotonic_ns() +
                        (kWarmupMs + static_cast<std::int64_t>(windows) * window_ms + 3000) * kMs;
  os::Pipe ready_many, ready_one;
  auto many =
      os::ChildProcess::spawn([&] { return busy_child(busy, cpu, false, deadline, ready_many); });
  auto one =
      os::ChildProcess::spawn([&] { return busy_child(1, cpu, own_session, deadline, ready_one); });
  RoundResult r;
  if (!ready_many.receive(r.many, kReadyTimeout) || !ready_one.receive(r.one, kReadyTimeout)) {
    throw std::runtime_error("a spinning child did not start (" + many.kill().describe() + ", " +
                             one.kill().describe() + ")");
  }
  r.many_group = autogroup_of(many.pid());
  r.one_group = autogroup_of(one.pid());
  os::sleep_interruptible(kWarmupMs * kMs);
  measure_windows(r, many.pid(), one.pid(), windows, window_ms);
  add_task_rows(r, many.pid(), round);
  add_task_rows(r, one.pid(), round);
  many.kill();
  one.kill();
  return r;
}

void explain_share(LessonContext& ctx, int busy_threads, int windows, int window_ms,
                   const Tick& tick) {
  const auto autogroup_on = os::read_sched_autogroup_enabled();
  ctx.explain(
      "Experiment 5: the scheduler shares the CPU between threads, or between sessions?",
      fmt::format(
          "Two child processes are pinned to CPU {}: one with {} threads that spin, one with a "
          "single spinning thread. The lesson adds up each one's CPU time from "
          "/proc/<pid>/task/*/schedstat over {} windows of {} ms, and compares the two sums. "
          "Round 1: both children stay in this lesson's session. Round 2: the single-thread "
          "child first calls setsid(), which starts a new session.\n\nWhy windows that long: a "
          "spinning thread loses the CPU only at a scheduler tick, {} times a second here ({}), "
          "so each window spans {} ticks and many turns; a window of a few ticks would be "
          "decided by where the turns happened to fall.\n\nWhy a session matters: with "
          "autogroup (/proc/sys/kernel/sched_autogroup_enabled = {} here) the kernel puts every "
          "session in a scheduling group of its own (/proc/<pid>/autogroup; this lesson is in "
          "{}) and divides a CPU fairly between groups first, then between the threads inside "
          "each. It was made so that a 'make -j16' in one terminal cannot starve a video "
          "player started from another.",
          ctx.cpu(), busy_threads, windows, window_ms, tick.hz,
          tick.source.empty() ? "CONFIG_HZ unreadable: assumed" : "CONFIG_HZ in " + tick.source,
          window_ms * tick.hz / 1000, autogroup_on ? std::to_string(*autogroup_on) : "unreadable",
          group_text(autogroup_of(::getpid()))));
}

void measure_ratios(LessonContext& ctx, const RoundResult& same, const RoundResult& split,
                    int busy_threads, int window_ms) {
  const std::string pair = fmt::format("CPU time {} threads : 1", busy_threads);
  const std::string method = fmt::format(
      "both children pinned to CPU {}; schedstat run time summed over all tids of each "
      "process and over all windows of {} ms, after a {} ms warm-up; the ratio of the two "
      "sums",
      ctx.cpu(), window_ms, kWarmupMs);
  const std::string per_window =
      fmt::format("the same ratio for each {} ms window on its own: how much it varies", window_ms);
  ctx.measure("cpu_ratio_same_session", pair + ", one session", "", {same.ratio()}, method);
  ctx.measure("cpu_ratio_same_session_windows", pair + ", one session, per window", "",
              same.window_ratios, per_window);
  ctx.measure("cpu_ratio_after_setsid", pair + ", after setsid()", "", {split.ratio()}, method);
  ctx.measure("cpu_ratio_after_setsid_windows", pair + ", after setsid(), per window", "",
              split.window_ratios, per_window);
}

void share_chart(LessonContext& ctx, const RoundResult& same, const RoundResult& split) {
  report::BarChart chart{
      "cpu_share", fmt::format("Share of CPU {} over all windows", ctx.cpu()), "%", false, {}};
  auto bars = [&](const RoundResult& r, const std::string& round) {
    const double many = r.share(r.many_ns), one = r.share(r.one_ns);
    chart.bars.push_back({round + ": " + std::to_string(r.many.threads) + " threads", many * 100,
                          fmt::format("{} ({} per thread)  {}", report::format_percent(many),
                                      report::format_percent(many / std::max(1, r.many.threads)),
                                      group_text(r.many_group))});
    chart.bars.push_back(
        {round + ": 1 thread", one * 100,
         fmt::format("{}  {}", report::format_percent(one), group_text(r.one_group))});
  };
  bars(same, "same session");
  bars(split, "after setsid");
  ctx.report().add(std::move(chart));
}

void share_table(LessonContext& ctx, const RoundResult& same, const RoundResult& split) {
  report::Table t{"cpu_share_tasks",
                  "Each thread's account at the end of its round",
                  {"round", "process", "tid", "on CPU", "times scheduled", "involuntary sw."},
                  {},
                  ""};
  t.rows = same.rows;
  t.rows.insert(t.rows.end(), split.rows.begin(), split.rows.end());
  t.note =
      "Every tid is scheduled and preempted on its own (involuntary switches): the unit the "
      "scheduler picks is the thread. These totals include the warm-up. Other work on this "
      "machine may take part of the CPU too; the ratio between the two children does not "
      "depend on it.";
  ctx.report().add(std::move(t));
}

// ---- C13 -------------------------------------------------------------------------------

// Spins until `until`, writing down each stretch during which the thread ran on one CPU
// without interruption: the clock jumps (kOffCpuGapNs) where another task had the CPU.
void record_runs(std::vector<RunInterval>& out, std::int64_t until) {
  std::int64_t t = os::monotonic_ns();
  RunInterval cur{t, t, sched_getcpu()};
  while (t < until && !os::interrupted()) {
    t = os::monotonic_ns();
    const int cpu = sched_getcpu();
    if (t - cur.end_ns > kOffCpuGapNs || cpu != cur.cpu) {
      if (out.size() < kMaxRunsPerPhase) {
        out.push_back(cur);
      }
      cur = {t, t, cpu};
    } else {
      cur.end_ns = t;
    }
  }
  if (out.size() < kMaxRunsPerPhase) {
    out.push_back(cur);
  }
}

int migrations(const std::vector<RunInterval>& runs) {
  int n = 0;
  for (std::size_t i = 1; i < runs.size(); ++i) {
    n += runs[i].cpu != runs[i - 1].cpu ? 1 : 0;
  }
  return n;
}

// When the two phases run: pinned [t0, t1), a short sleep, free [t1_free, t2).
struct Phases {
  std::int64_t length = 0, t0 = 0, t1 = 0, t1_free = 0, t2 = 0;
};
Phases plan_phases(int phase_ms) {
  Phases p;
  p.length = static_cast<std::int64_t>(phase_ms) * kMs;
  p.t0 = os::monotonic_ns() + 20 * kMs;  // time for every thread to start
  p.t1 = p.t0 + p.length;
  p.t1_free = p.t1 + kWakeNs;
  p.t2 = p.t1_free + p.length;
  return p;
}

// What the threads wrote down in the two phases.
struct PhaseRecord {
  RunHistory pinned, free_runs;
  std::vector<long> tids;
  std::atomic<int> unpin_failures{0};
  os::CpuUsageSnapshot stat_before, stat_after;  // /proc/stat around the free phase
};

bool unpin(const std::vector<int>& allowed) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : allowed) {
    CPU_SET(c, &set);
  }
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

// The body of recording thread k: created pinned, it records the pinned phase, drops the pin,
// sleeps into the free phase and records it, then parks.
void phase_worker(std::size_t k, PhaseRecord& rec, const Phases& p,
                  const std::vector<int>& allowed) {
  rec.tids[k] = os::current_tid();
  if (sleep_until(p.t0)) {
    record_runs(rec.pinned[k], p.t1);
  }
  if (!unpin(allowed)) {
    rec.unpin_failures.fetch_add(1);
  }
  // A running thread moves to another CPU only when the periodic load balancer acts; a waking
  // one is usually placed on an idle CPU at once: hence the sleep.
  if (sleep_until(p.t1_free)) {
    record_runs(rec.free_runs[k], p.t2);
  }
}

void run_phases(PhaseRecord& rec, int n, int cpu, const std::vector<int>& allowed,
                const Phases& p) {
  const auto threads = static_cast<std::size_t>(n);
  rec.pinned.resize(threads);
  rec.free_runs.resize(threads);
  rec.tids.resize(threads);
  for (auto* h : {&rec.pinned, &rec.free_runs}) {
    for (auto& runs : *h) {
      runs.reserve(kMaxRunsPerPhase);
    }
  }
  os::ParkedThreads group;  // after Ctrl-C the threads stop recording and park at once
  for (std::size_t k = 0; k < threads; ++k) {
    const int err = group.start(
        [&, k] {
          phase_worker(k, rec, p, allowed);
          group.park();
        },
        {.stack_bytes = 0, .cpu = cpu});
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_create");
    }
  }
  // What the other programs did with each CPU during the free phase (ticks of /proc/stat).
  wait_until(p.t1_free);
  rec.stat_before = os::snapshot_cpu_usage();
  wait_until(p.t2);
  rec.stat_after = os::snapshot_cpu_usage();
  const auto limit = milliseconds((p.t2 - os::monotonic_ns()) / kMs + 3000);
  if (!group.wait_parked(threads, limit)) {
    throw std::runtime_error("the spinning threads did not finish in time");
  }
}

void explain_parallel(LessonContext& ctx, int n, int phase_ms, const std::vector<int>& allowed) {
  ctx.explain(
      "Experiment 6: concurrently on one CPU, in parallel on several",
      fmt::format("{} threads spin for {} ms pinned to CPU {}, then the same threads drop the "
                  "pin, sleep 1 ms and spin {} ms more, free to use CPUs {}. Each writes down "
                  "which CPU it is on (sched_getcpu) and notices when it was off the CPU (its "
                  "clock jumps by more than {}).",
                  n, phase_ms, ctx.cpu(), phase_ms, os::format_cpu_list(allowed),
                  report::format_ns(static_cast<double>(kOffCpuGapNs))));
}

// The free chart's heading says what happened: side by side only when two threads did run at
// the same time, else which CPUs they were seen on.
std::string free_heading(const RunHistory& runs, std::int64_t from, std::int64_t to,
                         const std::vector<int>& allowed) {
  const std::string head = fmt::format("Free on CPUs {}", os::format_cpu_list(allowed));
  if (parallel_ns(runs, from, to) > 0) {
    return head + ": side by side";
  }
  std::vector<int> seen;
  for (const auto& thread : runs) {
    for (const auto& r : thread) {
      if (r.end_ns > from && r.start_ns < to && r.cpu >= 0 &&
          std::find(seen.begin(), seen.end(), r.cpu) == seen.end()) {
        seen.push_back(r.cpu);
      }
    }
  }
  std::sort(seen.begin(), seen.end());
  return seen.empty() ? head + ": not seen running"
                      : fmt::format("{}: never at the same time (seen on CPU {})", head,
                                    os::format_cpu_list(seen));
}

void add_timelines(LessonContext& ctx, const PhaseRecord& rec, const Phases& p, int phase_ms,
                   const std::vector<int>& allowed) {
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < rec.tids.size(); ++i) {
    labels.push_back(fmt::format("thread {} (tid {})", i + 1, rec.tids[i]));
  }
  const std::string legend =
      "digit = the CPU the thread ran on for at least half of that column; · = it ran less "
      "(another task had the CPU)";
  const double bucket_ms = static_cast<double>(phase_ms) / kTimelineColumns;
  ctx.report().add(report::Timeline{
      "cpu_pinned", fmt::format("Pinned to CPU {}: taking turns", ctx.cpu()), bucket_ms, labels,
      cpu_timeline(rec.pinned, p.t0, p.t1, kTimelineColumns), legend});
  ctx.report().add(report::Timeline{
      "cpu_free", free_heading(rec.free_runs, p.t1_free, p.t2, allowed), bucket_ms, labels,
      cpu_timeline(rec.free_runs, p.t1_free, p.t2, kTimelineColumns), legend});
}

// One phase's figures: time with two running at once, and each thread's time and CPU changes.
struct PhaseFigures {
  double parallel_fraction = 0;
  std::int64_t least_ran_ns = 0;
  std::string each, changes;
};
PhaseFigures phase_figures(const RunHistory& h, std::int64_t from, std::int64_t to) {
  PhaseFigures f;
  f.parallel_fraction =
      static_cast<double>(parallel_ns(h, from, to)) / static_cast<double>(to - from);
  f.least_ran_ns = to - from;
  for (const auto& runs : h) {
    const auto ran = run_ns_within(runs, from, to);
    f.least_ran_ns = std::min(f.least_ran_ns, ran);
    f.each += (f.each.empty() ? "" : ", ") + report::format_ns(static_cast<double>(ran));
    f.changes += (f.changes.empty() ? "" : ", ") + std::to_string(migrations(runs));
  }
  return f;
}

// Other programs' share of each allowed CPU in the free phase: its busy ticks minus ours.
// Sets v.busiest_other_cpu and v.busiest_other_share; returns "CPU 0 12.0%, ..." ("" if the
// /proc/stat readings are missing).
std::string others_share(const PhaseRecord& rec, const Phases& p, const std::vector<int>& allowed,
                         ParallelView& v) {
  std::vector<std::int64_t> ours;  // by CPU number
  for (const auto& runs : rec.free_runs) {
    for (const auto& r : runs) {
      if (r.cpu < 0) {
        continue;
      }
      const auto k = static_cast<std::size_t>(r.cpu);
      ours.resize(std::max(ours.size(), k + 1), 0);
      ours[k] +=
          std::max<std::int64_t>(0, std::min(r.end_ns, p.t2) - std::max(r.start_ns, p.t1_free));
    }
  }
  const auto loads =
      os::others_load(rec.stat_before, rec.stat_after, allowed, ours, os::ns_per_clock_tick());
  if (const auto top = os::busiest(loads)) {
    v.busiest_other_cpu = top->cpu;
    v.busiest_other_share = top->share;
  }
  std::string others;
  for (const auto& l : loads) {
    others += fmt::format("{}CPU {} {}", others.empty() ? "" : ", ", l.cpu,
                          report::format_percent(l.share));
  }
  return others;
}

// The phase table; fills the view's phase figures.
void phase_table(LessonContext& ctx, const PhaseRecord& rec, const Phases& p, int phase_ms,
                 const std::vector<int>& allowed, ParallelView& v) {
  const auto pinned = phase_figures(rec.pinned, p.t0, p.t1);
  const auto free = phase_figures(rec.free_runs, p.t1_free, p.t2);
  const double fair = static_cast<double>(p.length) / v.threads;
  v.pinned_parallel_fraction = pinned.parallel_fraction;
  v.pinned_min_run_fraction = static_cast<double>(pinned.least_ran_ns) / fair;
  v.free_parallel_fraction = free.parallel_fraction;
  const std::string others = others_share(rec, p, allowed, v);
  report::Table t{"cpu_phases",
                  "Time on a CPU per phase",
                  {"phase", "two or more running at once", "each thread's time on a CPU",
                   "CPU changes within the phase"},
                  {},
                  ""};
  for (const auto* f : {&pinned, &free}) {
    t.rows.push_back({std::string(f == &pinned ? "pinned" : "free"),
                      report::format_percent(f->parallel_fraction), f->each, f->changes});
  }
  t.note = fmt::format(
      "Pinned, the threads can only take turns: that is concurrency, and the time with two "
      "running at once is zero by construction. Free, the scheduler puts them on different "
      "CPUs and they run at the same time: parallelism. (They sleep 1 ms in between because "
      "the kernel usually places a waking thread on an idle CPU right away, while a running "
      "one stays where it is until the periodic load balancer moves it.) Each phase lasted {} "
      "ms; a fair share of one CPU for {} threads is {} each. Other programs used, during the "
      "free phase: {} (/proc/stat ticks minus these threads' time).",
      phase_ms, v.threads, report::format_ns(fair),
      others.empty() ? std::string("unknown") : others);
  ctx.report().add(std::move(t));
}

}  // namespace

report::ClaimVerdict cpu_share_experiment(LessonContext& ctx, int busy_threads,
                                          int asked_window_ms) {
  const auto tick = kernel_tick(ctx.system_info());
  const int window_ms = share_window_ms(asked_window_ms, tick.hz);
  const int windows = ctx.repeats(5, 3);
  if (asked_window_ms > 0 && window_ms > asked_window_ms) {
    ctx.warn(
        fmt::format("--window-ms {} is shorter than {} scheduler ticks at {} Hz: the "
                    "windows last {} ms instead",
                    asked_window_ms, kMinTicksPerWindow, tick.hz, window_ms));
  }
  explain_share(ctx, busy_threads, windows, window_ms, tick);
  const auto same = share_round(ctx, busy_threads, false, window_ms, windows, "1: same session");
  const auto split = share_round(ctx, busy_threads, true, window_ms, windows, "2: after setsid");
  measure_ratios(ctx, same, split, busy_threads, window_ms);
  share_chart(ctx, same, split);
  share_table(ctx, same, split);
  if (split.one.setsid_errno != 0) {
    ctx.warn(fmt::format("setsid() failed in the single-thread child: {}",
                         std::strerror(split.one.setsid_errno)));
  }
  ShareView v;
  v.busy_threads = same.many.threads;
  v.ratio_same_group = same.ratio();
  v.ratio_after_setsid = split.ratio();
  if (const auto on = os::read_sched_autogroup_enabled()) {
    v.autogroup = *on != 0;
  }
  v.groups_split =
      split.many_group && split.one_group && split.many_group->id != split.one_group->id;
  return judge_c12(v);
}

report::ClaimVerdict parallel_experiment(LessonContext& ctx, int phase_ms) {
  const std::vector<int> allowed = ctx.allowed_cpus();
  const int n = std::clamp(static_cast<int>(allowed.size()), 2, 4);
  explain_parallel(ctx, n, phase_ms, allowed);
  const Phases p = plan_phases(phase_ms);
  PhaseRecord rec;
  run_phases(rec, n, ctx.cpu(), allowed, p);
  add_timelines(ctx, rec, p, phase_ms, allowed);
  ParallelView v;
  v.threads = n;
  v.cpus = static_cast<int>(allowed.size());
  phase_table(ctx, rec, p, phase_ms, allowed, v);
  if (rec.unpin_failures.load() > 0) {
    ctx.warn("a thread could not drop its CPU pin; the free phase ran pinned");
  }
  return judge_c13(v);
}

}  // namespace conc::lessons::thread
