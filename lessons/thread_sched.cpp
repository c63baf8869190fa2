// Lesson `thread`, the scheduler experiments: who gets the CPU when a 4-thread process and a
// 1-thread process share one (C12, with and without autogroup's per-session split), and
// which CPU each thread ran on over time, pinned and free (C13).

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "lessons/lesson.h"
#include "lessons/thread.h"
#include "os/affinity.h"
#include "os/child.h"
#include "os/clock.h"
#include "os/cpu_usage.h"
#include "os/parked_threads.h"
#include "os/pipe.h"
#include "os/proc_read.h"
#include "os/task_parse.h"
#include "os/text_file.h"
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

void spin_until(std::int64_t deadline_ns) {
  while (os::monotonic_ns() < deadline_ns) {
  }
}

void sleep_until(std::int64_t deadline_ns) {
  const timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
                    static_cast<long>(deadline_ns % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
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
  auto line = os::read_first_line(fmt::format("/proc/{}/autogroup", pid));
  return line ? os::parse_autogroup(*line) : std::nullopt;
}

std::string group_text(const std::optional<os::Autogroup>& g) {
  return g ? fmt::format("/autogroup-{}", g->id) : std::string("?");
}

struct RoundResult {
  std::vector<double> ratios, many_share, one_share;
  std::optional<os::Autogroup> many_group, one_group;
  Ready many, one;
  std::vector<std::vector<report::Value>> rows;
};

RoundResult share_round(LessonContext& ctx, int busy, bool own_session, int sub_ms, int repeats,
                        const std::string& round) {
  const int cpu = ctx.cpu();
  const auto deadline =
      os::monotonic_ns() + (kWarmupMs + static_cast<std::int64_t>(repeats) * sub_ms + 3000) * kMs;
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
  std::this_thread::sleep_for(milliseconds(kWarmupMs));
  for (int k = 0; k < repeats; ++k) {
    LessonContext::check_interrupted();
    const auto w0 = os::monotonic_ns();
    const auto m0 = process_run_ns(many.pid()), o0 = process_run_ns(one.pid());
    std::this_thread::sleep_for(milliseconds(sub_ms));
    const auto m1 = process_run_ns(many.pid()), o1 = process_run_ns(one.pid());
    const auto wall = static_cast<double>(os::monotonic_ns() - w0);
    const auto dm = static_cast<double>(m1 - m0), d1 = static_cast<double>(o1 - o0);
    // A window where the single thread got nothing at all counts as 1 µs, not as infinity.
    r.ratios.push_back(dm / std::max(d1, 1000.0));
    r.many_share.push_back(dm / wall);
    r.one_share.push_back(d1 / wall);
  }
  for (const auto* c : {&many, &one}) {
    const pid_t pid = c->pid();
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
  many.kill();
  one.kill();
  return r;
}

double median_of(std::vector<double> v) {
  return report::summarize(std::move(v)).median;
}

// ---- C13 -------------------------------------------------------------------------------

// Spins until `until`, writing down each stretch during which the thread ran on one CPU
// without interruption: the clock jumps (kOffCpuGapNs) where another task had the CPU.
void record_runs(std::vector<RunInterval>& out, std::int64_t until) {
  std::int64_t t = os::monotonic_ns();
  RunInterval cur{t, t, sched_getcpu()};
  while (t < until) {
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

}  // namespace

void cpu_share_experiment(LessonContext& ctx, int busy_threads, int sub_window_ms) {
  const int repeats = ctx.repeats(5, 4);
  const auto autogroup_on = os::read_integer_file("/proc/sys/kernel/sched_autogroup_enabled");
  const auto own_group = autogroup_of(::getpid());
  ctx.explain(
      "Experiment 5: the scheduler shares the CPU between threads, or between sessions?",
      fmt::format(
          "Two child processes are pinned to CPU {}: one with {} threads that spin, one with a "
          "single spinning thread. The lesson adds up each one's CPU time from "
          "/proc/<pid>/task/*/schedstat over {} windows of {} ms. Round 1: both children stay "
          "in this lesson's session. Round 2: the single-thread child first calls setsid(), "
          "which starts a new session.\n\nWhy a session matters: with autogroup "
          "(/proc/sys/kernel/sched_autogroup_enabled = {} here) the kernel puts every session "
          "in a scheduling group of its own (/proc/<pid>/autogroup; this lesson is in {}) and "
          "divides a CPU fairly between groups first, then between the threads inside each. "
          "It was made so that a 'make -j16' in one terminal cannot starve a video player "
          "started from another.",
          ctx.cpu(), busy_threads, repeats, sub_window_ms,
          autogroup_on ? std::to_string(*autogroup_on) : "unreadable", group_text(own_group)));
  const auto same =
      share_round(ctx, busy_threads, false, sub_window_ms, repeats, "1: same session");
  LessonContext::check_interrupted();
  const auto split =
      share_round(ctx, busy_threads, true, sub_window_ms, repeats, "2: after setsid");

  const std::string pair = fmt::format("{} threads : 1", busy_threads);
  const std::string method = fmt::format(
      "both children pinned to CPU {}; sum of schedstat run time over all tids of each "
      "process, per {} ms window after a {} ms warm-up; ratio of the two sums",
      ctx.cpu(), sub_window_ms, kWarmupMs);
  ctx.measure("cpu_ratio_same_session", "CPU time " + pair + ", one session", "", same.ratios,
              method);
  ctx.measure("cpu_ratio_after_setsid", "CPU time " + pair + ", after setsid()", "", split.ratios,
              method);
  report::BarChart chart{"cpu_share",
                         fmt::format("Share of CPU {} (median of the windows)", ctx.cpu()),
                         "%",
                         false,
                         {}};
  auto bars = [&](const RoundResult& r, const std::string& round) {
    const double many = median_of(r.many_share), one = median_of(r.one_share);
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

  report::Table t{"cpu_share_tasks",
                  "Each thread's account at the end of its round",
                  {"round", "process", "tid", "on CPU", "times scheduled", "involuntary sw."},
                  {},
                  ""};
  t.rows = same.rows;
  t.rows.insert(t.rows.end(), split.rows.begin(), split.rows.end());
  t.note =
      "Every tid is scheduled and preempted on its own (involuntary switches): the unit the "
      "scheduler picks is the thread. Other work on this machine may take part of the CPU too; "
      "the ratio between the two children does not depend on it.";
  ctx.report().add(std::move(t));
  if (split.one.setsid_errno != 0) {
    ctx.warn(fmt::format("setsid() failed in the single-thread child: {}",
                         std::strerror(split.one.setsid_errno)));
  }
  ShareView v;
  v.busy_threads = same.many.threads;
  v.ratio_same_group = median_of(same.ratios);
  v.ratio_after_setsid = median_of(split.ratios);
  if (autogroup_on) {
    v.autogroup = *autogroup_on != 0;
  }
  v.groups_split =
      split.many_group && split.one_group && split.many_group->id != split.one_group->id;
  ctx.verdict(judge_c12(v));
}

void parallel_experiment(LessonContext& ctx, int phase_ms) {
  const std::vector<int> allowed = ctx.allowed_cpus();
  const int n = std::clamp(static_cast<int>(allowed.size()), 2, 4);
  const int cpu = ctx.cpu();
  ctx.explain(
      "Experiment 6: concurrently on one CPU, in parallel on several",
      fmt::format(
          "{} threads spin for {} ms pinned to CPU {}, then the same threads drop the "
          "pin, sleep 1 ms and spin {} ms more, free to use CPUs {}. Each writes down which CPU it "
          "is on (sched_getcpu) and notices when it was off the CPU (its clock jumps "
          "by more than {}).",
          n, phase_ms, cpu, phase_ms, os::format_cpu_list(allowed),
          report::format_ns(static_cast<double>(kOffCpuGapNs))));
  RunHistory pinned(static_cast<std::size_t>(n)), free_runs(static_cast<std::size_t>(n));
  for (auto* h : {&pinned, &free_runs}) {
    for (auto& runs : *h) {
      runs.reserve(kMaxRunsPerPhase);
    }
  }
  const std::int64_t phase = static_cast<std::int64_t>(phase_ms) * kMs;
  const auto t0 = os::monotonic_ns() + 20 * kMs, t1 = t0 + phase;
  const auto t1_free = t1 + kWakeNs, t2 = t1_free + phase;
  std::vector<long> tids(static_cast<std::size_t>(n));
  std::atomic<int> unpin_failures{0};
  os::CpuUsageSnapshot stat_before, stat_after;
  {
    os::ParkedThreads group;
    for (int i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const int err = group.start(
          [&, k] {
            tids[k] = os::current_tid();
            sleep_until(t0);
            record_runs(pinned[k], t1);
            cpu_set_t set;
            CPU_ZERO(&set);
            for (int c : allowed) {
              CPU_SET(c, &set);
            }
            if (sched_setaffinity(0, sizeof set, &set) != 0) {
              unpin_failures.fetch_add(1);
            }
            // A running thread moves only when the periodic load balancer acts (here that
            // can take 100 ms to over a second); a waking one usually lands on an idle CPU.
            sleep_until(t1_free);
            record_runs(free_runs[k], t2);
            group.park();
          },
          {.stack_bytes = 0, .cpu = cpu});
      if (err != 0) {
        throw std::system_error(err, std::generic_category(), "pthread_create");
      }
    }
    // What the other programs did with each CPU during the free phase (ticks of /proc/stat).
    sleep_until(t1_free);
    stat_before = os::snapshot_cpu_usage();
    sleep_until(t2);
    stat_after = os::snapshot_cpu_usage();
    if (!group.wait_parked(static_cast<std::size_t>(n), milliseconds(2 * phase_ms + 3000))) {
      throw std::runtime_error("the spinning threads did not finish in time");
    }
  }
  auto labels = [&] {
    std::vector<std::string> l;
    for (int i = 0; i < n; ++i) {
      l.push_back(fmt::format("thread {} (tid {})", i + 1, tids[static_cast<std::size_t>(i)]));
    }
    return l;
  };
  const std::string legend =
      "digit = the CPU the thread ran on for at least half of that column; · = it ran less "
      "(another task had the CPU)";
  ctx.report().add(report::Timeline{"cpu_pinned",
                                    fmt::format("Pinned to CPU {}: taking turns", cpu),
                                    static_cast<double>(phase_ms) / kTimelineColumns, labels(),
                                    cpu_timeline(pinned, t0, t1, kTimelineColumns), legend});
  ctx.report().add(report::Timeline{
      "cpu_free", fmt::format("Free on CPUs {}: side by side", os::format_cpu_list(allowed)),
      static_cast<double>(phase_ms) / kTimelineColumns, labels(),
      cpu_timeline(free_runs, t1_free, t2, kTimelineColumns), legend});

  ParallelView v;
  v.threads = n;
  v.cpus = static_cast<int>(allowed.size());
  const double fair = static_cast<double>(phase) / n;
  v.pinned_min_run_fraction = 1e9;
  report::Table t{"cpu_phases",
                  "Time on a CPU per phase",
                  {"phase", "two or more running at once", "each thread's time on a CPU",
                   "CPU changes within the phase"},
                  {},
                  ""};
  for (int phase_no = 0; phase_no < 2; ++phase_no) {
    const auto& h = phase_no == 0 ? pinned : free_runs;
    const auto from = phase_no == 0 ? t0 : t1_free, to = phase_no == 0 ? t1 : t2;
    const double par = static_cast<double>(parallel_ns(h, from, to)) / static_cast<double>(phase);
    std::string each, changes;
    for (const auto& runs : h) {
      const auto ran = run_ns_within(runs, from, to);
      if (phase_no == 0) {
        v.pinned_min_run_fraction =
            std::min(v.pinned_min_run_fraction, static_cast<double>(ran) / fair);
      }
      each += (each.empty() ? "" : ", ") + report::format_ns(static_cast<double>(ran));
      changes += (changes.empty() ? "" : ", ") + std::to_string(migrations(runs));
    }
    (phase_no == 0 ? v.pinned_parallel_fraction : v.free_parallel_fraction) = par;
    t.rows.push_back({std::string(phase_no == 0 ? "pinned" : "free"), report::format_percent(par),
                      each, changes});
  }
  // Other programs' share of each allowed CPU in the free phase: its busy ticks minus ours.
  std::vector<std::int64_t> ours;
  for (const auto& runs : free_runs) {
    for (const auto& r : runs) {
      if (r.cpu >= 0) {
        ours.resize(std::max(ours.size(), static_cast<std::size_t>(r.cpu) + 1), 0);
        ours[static_cast<std::size_t>(r.cpu)] +=
            std::max<std::int64_t>(0, std::min(r.end_ns, t2) - std::max(r.start_ns, t1_free));
      }
    }
  }
  const auto loads =
      os::others_load(stat_before, stat_after, allowed, ours, os::ns_per_clock_tick());
  if (const auto top = os::busiest(loads)) {
    v.busiest_other_cpu = top->cpu;
    v.busiest_other_share = top->share;
  }
  std::string others;
  for (const auto& l : loads) {
    others += fmt::format("{}CPU {} {}", others.empty() ? "" : ", ", l.cpu,
                          report::format_percent(l.share));
  }
  t.note = fmt::format(
      "Pinned, the threads can only take turns: that is concurrency, and the time with two "
      "running at once is zero by construction. Free, the scheduler puts them on different "
      "CPUs and they run at the same time: parallelism. (They sleep 1 ms in between because "
      "the kernel usually places a waking thread on an idle CPU right away, while a running "
      "one waits for the periodic load balancer, which here can take from 100 ms to over a "
      "second.) Each phase lasted {} ms; a fair share of one CPU for {} threads is {} each. Other "
      "programs used, during the free phase: {} "
      "(/proc/stat ticks minus these threads' time).",
      phase_ms, n, report::format_ns(fair), others.empty() ? std::string("unknown") : others);
  ctx.report().add(std::move(t));
  if (unpin_failures.load() > 0) {
    ctx.warn("a thread could not drop its CPU pin; the free phase ran pinned");
  }
  ctx.verdict(judge_c13(v));
}

}  // namespace conc::lessons::thread
