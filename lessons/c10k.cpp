// Lesson `c10k` (C18-C20): N busy threads on one CPU; the slice they really get, what they cost,
// and how late a sleeping thread wakes among them. Verdict rules: c10k_verdicts.cpp.

#include "lessons/c10k.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "lessons/lesson.h"
#include "os/affinity.h"
#include "os/busy_group.h"
#include "os/clock.h"
#include "os/proc_read.h"
#include "os/sched_sampler.h"
#include "os/slice_model.h"
#include "os/sysinfo.h"
#include "os/thread_caps.h"
#include "os/wake_probe.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using report::format_count;
using report::format_ns;
using report::format_number;
using report::format_percent;

constexpr std::int64_t kMs = 1'000'000;
const std::vector<int> kDefaultThreads = {1, 2, 5, 10, 100, 1000};
const std::vector<int> kQuickThreads = {1, 2, 10, 100};
constexpr int kFullThreads = 10'000;
constexpr int kMaxThreadsOption = 10'000;
// --full adds 10,000 only when the tightest limit leaves this much more room.
constexpr int kFullMargin = 2'000;
// With a single allowed CPU the /proc reader competes with the workers for it.
constexpr int kOneCpuMaxThreads = 200;

// Window sizing: every window lasts at least this many rounds (N × the calibrated slice), so
// that every thread gets a turn, and never less than the minimum.
// EEVDF picks by deadline, not strictly in turn: at 1.5 rounds a few of 1,000 threads were still
// waiting here, so the default is 2.
constexpr double kTurnsPerWindow = 2.0, kQuickTurnsPerWindow = 1.5;
constexpr std::int64_t kMinWindowNs = 300 * kMs, kQuickMinWindowNs = 120 * kMs;
constexpr std::int64_t kCalibrationNs = 300 * kMs, kQuickCalibrationNs = 150 * kMs;
constexpr int kCalibrationThreads = 2;
// The probe arrives on a CPU where N threads already run: its first wake-up may wait up to a
// round (it has no lag credit yet), so its window is one round plus the minimum for the
// steady-state samples.
constexpr std::int64_t kProbePeriodNs = 1 * kMs;
constexpr std::size_t kMinProbeSamples = 50;
// After the gate opens, before the window: the N wake-ups land on the run queue.
constexpr std::int64_t kSettleNs = 20 * kMs;
constexpr auto kReadyTimeout = std::chrono::milliseconds(20'000);
// Below this share of the CPU, someone else ran on it during the window.
constexpr double kMinCpuShare = 0.90;

// Sleeps in short steps so that Ctrl-C ends the lesson within a second.
void sleep_checked(std::int64_t ns) {
  const std::int64_t end = os::monotonic_ns() + ns;
  for (std::int64_t left = ns; left > 0; left = end - os::monotonic_ns()) {
    LessonContext::check_interrupted();
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(left, 50 * kMs)));
  }
}

double percentile(std::vector<std::int64_t> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::vector<double> d(v.begin(), v.end());
  std::sort(d.begin(), d.end());
  return report::percentile_of_sorted(d, p);
}

std::size_t tasks_now() {
  return os::list_tasks(::getpid()).size();
}

// Everything measured for one N.
struct Row {
  int requested = 0, created = 0, error = 0;
  bool ready = false;
  std::int64_t window_ns = 0, probe_window_ns = 0;
  os::WindowStats stats;
  int progressed = 0;  // threads that completed at least one unit in the window
  std::vector<double> thread_slices_ns;
  std::optional<std::int64_t> se_slice_ns;
  std::optional<std::int64_t> first_wake_ns;  // the probe's first wake-up after arriving
  std::vector<std::int64_t> lateness_ns;      // every later wake-up
  long left_behind = 0;
  double vm_size_delta = 0, vm_rss_delta = 0;

  double work_per_second() const { return stats.work_per_second(); }
  double work_per_cpu_second() const { return stats.work_per_cpu_second().value_or(0); }
};

struct Settings {
  int cpu = 0;
  std::int64_t min_window_ns = 0;
  double turns = 1;
  std::size_t baseline_tasks = 0;
};

class C10kLesson final : public Lesson {
 public:
  std::string_view name() const override { return "c10k"; }
  std::string_view title() const override {
    return "Thousands of threads on one CPU: the slice each gets and what it costs";
  }
  std::vector<std::string_view> claims() const override { return {"C18", "C19", "C20"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--threads", threads_, "Busy-thread counts to run, e.g. 1,10,100 (1-10000)")
        ->delimiter(',')
        ->type_name("LIST")
        ->check(whole_number(1, kMaxThreadsOption));
    cmd.add_flag("--full", full_,
                 "Add 10,000 threads when the limits allow (about 2.5 more minutes here)");
  }
  void run(LessonContext& ctx) override;

 private:
  std::vector<int> thread_counts(LessonContext& ctx, const os::ThreadCap* tightest) const;
  Row measure(const Settings& s, int n, std::int64_t window_ns, std::int64_t probe_ns) const;
  void report_rows(LessonContext& ctx, const std::vector<Row>& rows,
                   const os::SystemInfo& info) const;
  std::vector<int> threads_;
  bool full_ = false;
};

std::vector<int> C10kLesson::thread_counts(LessonContext& ctx,
                                           const os::ThreadCap* tightest) const {
  std::vector<int> counts = !threads_.empty() ? threads_
                            : ctx.quick()     ? kQuickThreads
                                              : kDefaultThreads;
  if (full_) {
    if (tightest == nullptr || tightest->headroom >= kFullThreads + kFullMargin) {
      counts.push_back(kFullThreads);
    } else {
      ctx.warn(fmt::format("--full: 10,000 threads left out: {} leaves room for only {} more",
                           tightest->name, format_count(tightest->headroom)));
    }
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  if (ctx.allowed_cpus().size() < 2 && counts.back() > kOneCpuMaxThreads) {
    ctx.warn(fmt::format(
        "Only one CPU is allowed: the reader of /proc competes with the workers for it, so "
        "counts above {} are left out",
        kOneCpuMaxThreads));
    counts.erase(
        std::remove_if(counts.begin(), counts.end(), [](int n) { return n > kOneCpuMaxThreads; }),
        counts.end());
    if (counts.empty()) {
      counts.push_back(kOneCpuMaxThreads);
    }
  }
  return counts;
}

Row C10kLesson::measure(const Settings& s, int n, std::int64_t window_ns,
                        std::int64_t probe_ns) const {
  Row row;
  row.requested = n;
  row.window_ns = window_ns;
  row.probe_window_ns = probe_ns;
  const auto before = os::read_status(::getpid());
  {
    // Declared first so that it is destroyed last: on Ctrl-C the busy threads stop before the
    // probe is joined, and the probe then gets the CPU at once instead of after a round.
    std::optional<os::WakeProbe> probe;
    os::BusyGroup group({n, s.cpu, 0, 64});
    row.created = group.created();
    row.error = group.create_error();
    row.ready = row.created > 0 && group.wait_ready(kReadyTimeout);
    if (row.ready) {
      const auto after = os::read_status(::getpid());
      if (before && after && before->vm_size_kib && after->vm_size_kib) {
        row.vm_size_delta =
            1024.0 * static_cast<double>(*after->vm_size_kib - *before->vm_size_kib);
        row.vm_rss_delta = 1024.0 * static_cast<double>(after->vm_rss_kib.value_or(0) -
                                                        before->vm_rss_kib.value_or(0));
      }
      const auto tids = group.tids();
      group.start();
      sleep_checked(kSettleNs);

      // 1. The busy window: schedstat and sched of every worker, and its work counter read
      // right after its files, so work and CPU time cover the same interval thread by
      // thread. Counting is on only from just before the first reading to just after the last.
      os::SchedWindow window(::getpid(), tids, true,
                             [&group](std::size_t i) { return group.count(i); });
      group.open_window();
      window.begin();
      sleep_checked(window_ns);
      row.stats = window.end();
      group.close_window();
      for (const auto& t : row.stats.tasks) {
        row.progressed += t.work > 0 ? 1 : 0;
      }
      for (const auto& t : row.stats.tasks) {
        if (auto slice = t.mean_slice_ns()) {
          row.thread_slices_ns.push_back(*slice);
        }
      }
      if (!tids.empty()) {
        if (auto text = os::read_task_sched(::getpid(), tids.front()); !text.empty()) {
          if (auto v = os::sched_number(text, "se.slice")) {
            row.se_slice_ns = static_cast<std::int64_t>(*v);
          }
        }
      }

      // 2. The probe window: a thread on the same CPU sleeps 1 ms at a time.
      if (probe_ns > 0) {
        probe.emplace(os::WakeProbe::Options{s.cpu, kProbePeriodNs, 1 << 16});
        sleep_checked(probe_ns);
        // A wake-up can wait up to a round when others share the CPU: go on, up to twice
        // the window, until there are enough wake-ups for a p99.
        for (std::int64_t extra = 0; probe->samples_so_far() < kMinProbeSamples && extra < probe_ns;
             extra += 10 * kMs) {
          sleep_checked(10 * kMs);
        }
        auto samples = probe->stop();
        if (!samples.empty()) {
          row.first_wake_ns = samples.front();
          row.lateness_ns.assign(samples.begin() + 1, samples.end());
        }
      }
    }
    group.stop();
  }
  // join returns once a thread has cleared its tid; the kernel drops it from the thread group
  // a moment later. Wait (boundedly) for the count to settle.
  const auto t0 = os::monotonic_ns();
  while (tasks_now() > s.baseline_tasks && os::monotonic_ns() - t0 < 500 * kMs) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  row.left_behind = static_cast<long>(tasks_now()) - static_cast<long>(s.baseline_tasks);
  return row;
}

// "1.40 ms → 4.00 ms": a policy's slice and what it becomes when only ticks preempt.
std::string slice_at_ticks(double slice_ns, int hz) {
  const double run = os::tick_rounded_run_ns(slice_ns, hz);
  if (std::abs(run - slice_ns) < 1) {
    return format_ns(slice_ns);
  }
  return format_ns(slice_ns) + " → " + format_ns(run);
}

void C10kLesson::report_rows(LessonContext& ctx, const std::vector<Row>& rows,
                             const os::SystemInfo& info) const {
  const int hz = info.config_hz.value_or(0);
  const int cpus = static_cast<int>(std::max<std::size_t>(1, info.online_cpus.size()));
  const auto version = os::parse_kernel_release(info.kernel_release).value_or(os::KernelVersion{});
  const bool eevdf_here = version.at_least(6, 6);
  for (const auto& r : rows) {
    if (!r.thread_slices_ns.empty()) {
      ctx.measure(fmt::format("slice_ns_n{}", r.requested),
                  fmt::format("slice, {} busy thread{}", format_count(r.created),
                              r.created == 1 ? "" : "s"),
                  "ns", r.thread_slices_ns,
                  r.requested == rows.front().requested
                      ? "per thread: schedstat time on the CPU ÷ turns over the window; median "
                        "and spread across the threads"
                      : "");
    }
  }
  for (const auto& r : rows) {
    if (!r.lateness_ns.empty()) {
      ctx.measure(fmt::format("wake_late_ns_n{}", r.requested),
                  fmt::format("1 ms sleeper among {} busy: wakes late by", format_count(r.created)),
                  "ns", std::vector<double>(r.lateness_ns.begin(), r.lateness_ns.end()),
                  r.requested == rows.front().requested
                      ? "the probe pinned to the same CPU, one sample per wake-up"
                      : "");
    }
  }

  report::Table slices{
      "slices",
      "The slice: measured, the notes' model and the kernel's policies",
      {"N", "measured slice", "notes: 10 ms ÷ N", "measured ÷ notes",
       std::string(eevdf_here ? "EEVDF (this kernel)" : "EEVDF (6.6+)"),
       std::string(eevdf_here ? "CFS (before 6.6)" : "CFS (this kernel)"), "one round"},
      {},
      ""};
  double se_slice = info.se_slice_ns.value_or(0);
  for (const auto& r : rows) {
    if (r.se_slice_ns) {
      se_slice = static_cast<double>(*r.se_slice_ns);
    }
  }
  if (se_slice <= 0) {
    se_slice = os::eevdf_base_slice_ns(cpus, version.major, version.minor);
  }
  for (const auto& r : rows) {
    const auto measured = r.stats.mean_slice_ns();
    const double model = os::notes_model_slice_ns(r.created);
    const bool alone = r.created < 2;
    std::string measured_text = !measured ? "no switch"
                                : alone   ? format_ns(*measured) + " (alone)"
                                          : format_ns(*measured);
    slices.rows.push_back(
        {static_cast<std::int64_t>(r.created), measured_text, format_ns(model),
         measured && !alone ? report::Value{*measured / model} : report::Value{std::string("—")},
         alone ? std::string("runs on") : slice_at_ticks(se_slice, hz),
         alone ? std::string("runs on")
               : slice_at_ticks(os::cfs_slice(r.created, cpus).slice_ns, hz),
         measured ? format_ns(os::round_ns(r.created, *measured)) : std::string("—")});
  }
  slices.note = fmt::format(
      "measured = Σ time on the CPU ÷ Σ turns over the window (schedstat). EEVDF gives every "
      "task the same requested slice (se.slice = {} here, 0.70–0.75 ms × (1 + log2 CPUs)) "
      "whatever N is; CFS aimed at a period of 6 ms × (1 + log2 min(CPUs, 8)) shared by N, "
      "with a floor of 0.75 ms × that factor past 8 tasks. \"→\" is the same slice rounded up to "
      "the next timer tick (HZ={}), because a busy task is only preempted at a tick or a "
      "wake-up. A lone thread (N=1) has no one to switch to.",
      format_ns(se_slice), hz > 0 ? std::to_string(hz) : std::string("unknown"));
  ctx.report().add(std::move(slices));

  const double base_work = rows.front().work_per_cpu_second();
  report::Table cost{"cost",
                     "What N busy threads cost",
                     {"N", "switches/s", "involuntary", "CPU share", "work/s", "work per CPU-s",
                      "waited per turn", "first wake", "wake late p50", "p99"},
                     {},
                     ""};
  for (const auto& r : rows) {
    const auto& st = r.stats;
    const std::string involuntary =
        st.switches && *st.switches > 0
            ? format_percent(static_cast<double>(*st.involuntary_switches) / *st.switches)
            : std::string("—");
    cost.rows.push_back(
        {static_cast<std::int64_t>(r.created), st.slices_per_second(), involuntary,
         format_percent(st.cpu_share()), r.work_per_second(),
         base_work > 0 ? format_percent(r.work_per_cpu_second() / base_work) : std::string("—"),
         st.mean_wait_per_turn_ns() ? format_ns(*st.mean_wait_per_turn_ns()) : std::string("—"),
         r.first_wake_ns ? format_ns(static_cast<double>(*r.first_wake_ns)) : std::string("—"),
         r.lateness_ns.empty() ? std::string("—") : format_ns(percentile(r.lateness_ns, 50)),
         r.lateness_ns.empty() ? std::string("—") : format_ns(percentile(r.lateness_ns, 99))});
  }
  cost.note = fmt::format(
      "switches/s = turns begun per second, all threads together; involuntary = share of those "
      "switches that were preemptions (/proc/<pid>/task/<tid>/sched); CPU share = the workers' "
      "time on the CPU ÷ window (100% = all of CPU {}; ± one tick, since the running thread's "
      "counter is brought up to date only at ticks); work/s = work units finished inside the "
      "window; work per CPU-s = units per second of CPU time the workers had, relative to "
      "N={}, so that other programs taking the CPU do not count as switching cost; waited per turn "
      "= schedstat run-queue wait "
      "÷ turns. Then the probe arrives on the CPU (its own window, busy threads still "
      "running): first wake = how late its first 1 ms sleep ended, just after it arrived; "
      "p50 and p99 = all its later wake-ups. EEVDF remembers across a sleep the CPU time a "
      "task is owed (its lag), which is how a sleeper can be served within a tick even among "
      "many busy threads once it has waited its turn.",
      ctx.cpu(), rows.front().created);
  ctx.report().add(std::move(cost));

  report::Table creation{"creation",
                         "Creating them",
                         {"N requested", "created", "error", "had a turn", "did work",
                          "left after join", "VmSize +", "VmRSS +"},
                         {},
                         ""};
  for (const auto& r : rows) {
    creation.rows.push_back(
        {static_cast<std::int64_t>(r.requested), static_cast<std::int64_t>(r.created),
         std::string(r.error != 0 ? std::strerror(r.error) : "none"),
         static_cast<std::int64_t>(r.stats.tasks_that_ran), static_cast<std::int64_t>(r.progressed),
         static_cast<std::int64_t>(r.left_behind), report::format_bytes(r.vm_size_delta),
         report::format_bytes(r.vm_rss_delta)});
    if (r.error != 0) {
      ctx.warn(fmt::format("Thread creation stopped at {} of {}: {}", format_count(r.created),
                           format_count(r.requested), std::strerror(r.error)));
    } else if (r.created > 0 && !r.ready) {
      ctx.warn(fmt::format("{} threads did not all start within {} s; N={} was skipped", r.created,
                           kReadyTimeout.count() / 1000, r.requested));
    }
    if (r.ready && r.stats.cpu_share() < kMinCpuShare) {
      ctx.warn(fmt::format(
          "At N={} the workers had only {} of CPU {}: other programs ran on it too, so the "
          "figures are those of a shared CPU",
          r.requested, format_percent(r.stats.cpu_share()), ctx.cpu()));
    }
  }
  creation.note =
      "had a turn = schedstat shows time on the CPU in the window; did work = finished a work "
      "unit in it; left after join = tasks still in /proc/self/task after every thread was "
      "joined. VmSize counts reserved address space (the fixed-size stacks), VmRSS what is "
      "really in memory.";
  ctx.report().add(std::move(creation));

  report::BarChart chart{
      "slice_and_lateness", "Slice and wake-up lateness against N", "ns", true, {}};
  for (const auto& r : rows) {
    const std::string n = fmt::format("N={}", format_count(r.created));
    if (auto m = r.stats.mean_slice_ns(); m && r.created >= 2) {
      chart.bars.push_back({n + " slice", *m, format_ns(*m)});
      const double model = os::notes_model_slice_ns(r.created);
      chart.bars.push_back({n + " 10 ms ÷ N", model, format_ns(model) + " (notes)"});
    }
    if (r.first_wake_ns) {
      const auto first = static_cast<double>(*r.first_wake_ns);
      chart.bars.push_back({n + " first wake", first, format_ns(first)});
    }
    if (!r.lateness_ns.empty()) {
      const double p99 = percentile(r.lateness_ns, 99);
      chart.bars.push_back({n + " wake p99", p99, format_ns(p99)});
    }
  }
  ctx.report().add(std::move(chart));

  const Row& big = rows.back();
  if (const auto slice = big.stats.mean_slice_ns(); slice && big.created >= 2) {
    ctx.explain(
        "What it means",
        fmt::format(
            "With {} busy threads each one still ran about {} per turn, not 10 ms ÷ {} = {}: "
            "what grew with N is the wait between turns ({} measured, one round being about "
            "{}), not the share of the CPU lost to switching ({} switches a second, {} of the "
            "work per CPU-second of N={} kept). A thread-per-connection server with {} busy "
            "connections would answer each of them about once every {}.{}",
            format_count(big.created), format_ns(*slice), format_count(big.created),
            format_ns(os::notes_model_slice_ns(big.created)),
            big.stats.mean_wait_per_turn_ns() ? format_ns(*big.stats.mean_wait_per_turn_ns())
                                              : std::string("—"),
            format_ns(os::round_ns(big.created, *slice)),
            format_number(big.stats.slices_per_second()),
            base_work > 0 ? format_percent(big.work_per_cpu_second() / base_work)
                          : std::string("—"),
            rows.front().created, format_count(big.created),
            format_ns(os::round_ns(big.created, *slice)),
            info.autogroup
                ? " Not measured here: with autogroup on (as on this machine) the kernel first "
                  "shares the CPU between sessions, so a shell in another session keeps its "
                  "share whatever N is."
                : ""));
  }
}

void C10kLesson::run(LessonContext& ctx) {
  ctx.explain(
      "The claim",
      "The notes say a CPU's time is cut into a 10 ms period shared equally by the threads, so "
      "each gets 10 ms ÷ N (5 ms for 2, 2 ms for 5), and that as N grows the slices shrink "
      "until the CPU spends more time switching than working and the system stops "
      "responding. They call this the C10K problem.\n\n"
      "C10K originally meant something else: Dan Kegel's 1999 page \"The C10K problem\" asked "
      "how a web server could serve ten thousand clients at once, and compared ways of doing "
      "it (select/poll, epoll and other readiness APIs, asynchronous I/O, one thread per "
      "client with blocking I/O, servers inside the kernel). Thread-per-connection is only one "
      "of those strategies. This lesson measures its scheduling cost: N threads that all want "
      "the CPU at once, which is the worst case (real connection threads mostly sleep).");

  const os::SystemInfo info = os::collect_system_info(0);
  const auto caps = os::thread_caps(os::read_thread_cap_input());
  const auto tightest = os::tightest_cap(caps);
  const std::vector<int> counts = thread_counts(ctx, tightest ? &*tightest : nullptr);

  Settings s;
  s.cpu = ctx.cpu();
  s.min_window_ns = ctx.quick() ? kQuickMinWindowNs : kMinWindowNs;
  s.turns = ctx.quick() ? kQuickTurnsPerWindow : kTurnsPerWindow;
  int reader_cpu = -1;
  for (int c : ctx.allowed_cpus()) {
    if (c != s.cpu) {
      reader_cpu = c;
      break;
    }
  }
  const os::ScopedPin pinned(reader_cpu, ctx.allowed_cpus());
  s.baseline_tasks = tasks_now();

  // Calibration: the slice two busy threads really get sizes every window.
  const Row calibration =
      measure(s, kCalibrationThreads, ctx.quick() ? kQuickCalibrationNs : kCalibrationNs, 0);
  const double tick_ns = info.config_hz ? 1e9 / *info.config_hz : 4e6;
  const double slice_ns = calibration.stats.mean_slice_ns().value_or(tick_ns);
  ctx.measure("calibration_slice_ns", "slice with 2 busy threads (calibration)", "ns",
              calibration.thread_slices_ns.empty() ? std::vector<double>{slice_ns}
                                                   : calibration.thread_slices_ns,
              "schedstat run time ÷ turns of each thread over the window; sizes the windows");

  report::Table plan{"plan",
                     "The plan: one window per N, long enough for every thread to have a turn",
                     {"N", "one round (N × slice)", "busy window", "probe window"},
                     {},
                     ""};
  std::vector<std::pair<std::int64_t, std::int64_t>> windows;
  double total_ns = 0;
  for (int n : counts) {
    const auto round = static_cast<std::int64_t>(os::round_ns(n, slice_ns));
    const auto w = std::max(s.min_window_ns, static_cast<std::int64_t>(s.turns * round));
    const auto pw = s.min_window_ns + round;
    windows.emplace_back(w, pw);
    total_ns += static_cast<double>(w + pw + kSettleNs);
    plan.rows.push_back({static_cast<std::int64_t>(n), format_ns(static_cast<double>(round)),
                         format_ns(static_cast<double>(w)), format_ns(static_cast<double>(pw))});
  }
  plan.note = fmt::format(
      "Two busy threads got {} per turn here. A thread that never sleeps is preempted only at "
      "a timer tick ({} at HZ={}) or when another thread wakes up, so the slice you measure "
      "is often a tick, not the {} the scheduler asks for. One round of N threads therefore "
      "takes about N × {}: at N={} that is {}, and every window lasts at least {} rounds. "
      "The probe's window is one round more than the minimum, since its first wake-up may wait "
      "a round, and is stretched up to twice while it has fewer than {} wake-ups. Expect "
      "about {} of measuring.",
      format_ns(slice_ns), format_ns(tick_ns),
      info.config_hz ? std::to_string(*info.config_hz) : std::string("?"),
      info.se_slice_ns ? format_ns(*info.se_slice_ns) : std::string("slice"), format_ns(slice_ns),
      format_count(counts.back()), format_ns(os::round_ns(counts.back(), slice_ns)),
      format_number(s.turns), kMinProbeSamples, format_ns(total_ns));
  ctx.explain(
      "The experiment",
      fmt::format("For each N, N threads are created with the default stack, pinned to CPU {}, "
                  "and released together. They compute in a loop and count the work units "
                  "they finish, only while the window is open. /proc/self/task/<tid>/schedstat "
                  "(time on the CPU, time waiting, number of turns) is read for every thread "
                  "at both ends of the window from CPU {}, so only the window counts. Then a "
                  "probe thread on CPU {} sleeps 1 ms in a loop and records how late it wakes.",
                  s.cpu, reader_cpu >= 0 ? std::to_string(reader_cpu) : std::string("the same"),
                  s.cpu));
  ctx.report().add(std::move(plan));

  // The probe alone on the CPU: the floor of wake-up lateness.
  std::vector<std::int64_t> alone;
  {
    os::WakeProbe probe({s.cpu, kProbePeriodNs, 1 << 16});
    sleep_checked(s.min_window_ns);
    alone = probe.stop();
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    LessonContext::check_interrupted();
    rows.push_back(measure(s, counts[i], windows[i].first, windows[i].second));
  }
  ctx.measure("wake_late_ns_alone", "1 ms sleeper alone on the CPU: wakes late by", "ns",
              std::vector<double>(alone.begin(), alone.end()),
              "clock_nanosleep to an absolute deadline 1 ms ahead, timer slack 1 ns; lateness = "
              "monotonic clock after waking − deadline");
  report_rows(ctx, rows, info);

  // Verdicts.
  const Row& largest = rows.back();
  c10k::CreationOutcome creation;
  creation.largest_requested = largest.requested;
  creation.created_at_largest = largest.created;
  creation.error = largest.error;
  creation.tightest_limit = tightest ? tightest->name : "none known";
  creation.headroom = tightest ? tightest->headroom : 0;
  if (largest.created > 0) {
    creation.reserved_bytes_per_thread = largest.vm_size_delta / largest.created;
    creation.resident_bytes_per_thread = largest.vm_rss_delta / largest.created;
  }
  ctx.verdict(c10k::judge_c18(creation));
  std::vector<c10k::SlicePoint> points;
  for (const auto& r : rows) {
    if (auto m = r.stats.mean_slice_ns()) {
      points.push_back({r.created, *m});
    }
  }
  ctx.verdict(c10k::judge_c19(points));
  auto load = [](const Row& r) {
    c10k::LoadPoint p;
    p.threads = r.created;
    p.work_per_cpu_second = r.work_per_cpu_second();
    p.work_per_second = r.work_per_second();
    p.switches_per_second = r.stats.slices_per_second();
    p.slice_ns = r.created >= 2 ? r.stats.mean_slice_ns().value_or(0) : 0;
    p.probed = r.first_wake_ns.has_value() && !r.lateness_ns.empty();
    p.wake_p99_ns = percentile(r.lateness_ns, 99);
    p.first_wake_ns = static_cast<double>(r.first_wake_ns.value_or(0));
    p.wait_per_turn_ns = r.stats.mean_wait_per_turn_ns().value_or(0);
    return p;
  };
  ctx.verdict(c10k::judge_c20(load(rows.front()), load(largest)));
}

}  // namespace

std::unique_ptr<Lesson> make_c10k_lesson() {
  return std::make_unique<C10kLesson>();
}

}  // namespace conc::lessons
