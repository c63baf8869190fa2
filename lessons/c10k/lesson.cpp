// Lesson `c10k` (C18-C20): N busy threads on one CPU; the turn each really gets, what they cost,
// and how late a sleeping thread wakes among them. This file chooses the counts, calibrates and
// plans the windows and gathers the verdicts' inputs; one N is measured in c10k_window.cpp, the
// tables are in c10k_report.cpp, the rules in c10k_verdicts.cpp.

#include "lessons/c10k/c10k.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "lessons/c10k/connections.h"
#include "lessons/c10k/goroutines.h"
#include "lessons/c10k/parts.h"
#include "lessons/common/lesson.h"
#include "lessons/common/thread_limits.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/sysinfo.h"
#include "os/procfs/system_wide.h"
#include "os/procfs/task_parse.h"
#include "os/procfs/thread_caps.h"
#include "os/sys/affinity.h"
#include "os/sys/interrupt.h"
#include "os/workloads/slice_model.h"
#include "os/workloads/wake_probe.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using c10k::error_name;
using c10k::kMaxProbeSamples;
using c10k::kMinProbeSamples;
using c10k::kProbePeriodNs;
using c10k::kSettleNs;
using c10k::measure_one;
using c10k::Row;
using c10k::Settings;
using c10k::tasks_now;
using c10k::Windows;
using report::format_count;
using report::format_ns;

constexpr std::int64_t kMs = 1'000'000;
const std::vector<int> kDefaultThreads = {1, 2, 5, 10, 100, 1000};
const std::vector<int> kQuickThreads = {1, 2, 10, 100};
constexpr int kFullThreads = 10'000;
constexpr int kMaxThreadsOption = 10'000;
constexpr std::size_t kDefaultConnections = 10'000;
constexpr std::size_t kFullConnections = 100'000;
constexpr std::size_t kMaxConnectionsOption = 1'000'000;
// The goroutine rows: counts (--full adds kFullGoroutines), the window of each and the turn
// after which every goroutine yields.
const std::vector<int> kGoroutineCounts = {10, 1'000, 10'000};
const std::vector<int> kQuickGoroutineCounts = {10, 1'000};
constexpr int kFullGoroutines = 100'000;
constexpr std::int64_t kGoroutineWindowNs = 500'000'000, kQuickGoroutineWindowNs = 300'000'000;
constexpr std::int64_t kGoroutineTurnNs = 1'000'000;
// With a single allowed CPU the /proc reader competes with the workers for it.
constexpr int kOneCpuMaxThreads = 200;

// Window sizing: every window lasts at least this many rounds (N × the calibrated turn), so
// that every thread gets a turn, and never less than the minimum. EEVDF picks by deadline, not
// strictly in turn: at 1.5 rounds a few of 1,000 threads were still waiting here, so the
// default is 2.
constexpr double kTurnsPerWindow = 2.0, kQuickTurnsPerWindow = 1.5;
constexpr std::int64_t kMinWindowNs = 300 * kMs, kQuickMinWindowNs = 120 * kMs;
constexpr std::int64_t kCalibrationNs = 300 * kMs, kQuickCalibrationNs = 150 * kMs;
constexpr int kCalibrationThreads = 2;
// An N whose windows last longer than this gets a progress line of its own.
constexpr std::int64_t kAnnounceNs = 2'000 * kMs;

std::string count_list(const std::vector<int>& counts) {
  std::string s;
  for (int n : counts) {
    s += (s.empty() ? "" : ", ") + format_count(n);
  }
  return s;
}

// ---- the lesson ----------------------------------------------------------------------------

class C10kLesson final : public Lesson {
 public:
  std::string_view name() const override { return "c10k"; }
  std::string_view title() const override {
    return "Thousands of threads on one CPU: the slice each gets and what it costs";
  }
  std::vector<std::string_view> claims() const override { return {"C18", "C19", "C20"}; }
  void add_options(CLI::App& cmd) override {
    add_count_list_option(cmd, "--thread-counts", thread_counts_, 1, kMaxThreadsOption,
                          "Busy-thread counts to run one after the other, e.g. 1,10,100");
    cmd.add_option("--connections", connections_,
                   "Connections for the three echo servers (default 10,000; --full: 100,000)")
        ->type_name("N")
        ->check(whole_number(1, kMaxConnectionsOption));
    cmd.add_flag("--full", full_,
                 "Add 10,000 threads when the limits allow (its windows last about 3 × 10,000 "
                 "× the turn measured with 2 threads: 2 minutes at a 4 ms tick)");
  }
  void run(LessonContext& ctx) override;

 private:
  std::vector<int> thread_counts(LessonContext& ctx,
                                 const std::optional<os::ThreadCap>& tightest) const;
  Settings settings(LessonContext& ctx) const;
  double calibrate(LessonContext& ctx, const Settings& s, const os::SystemInfo& info) const;
  std::vector<Windows> plan(LessonContext& ctx, const Settings& s, const std::vector<int>& counts,
                            double slice_ns, const os::SystemInfo& info) const;
  std::vector<Row> busy_threads(LessonContext& ctx, const Settings& s,
                                const std::vector<int>& counts, c10k::RunFacts& facts) const;
  std::vector<Row> measure_all(LessonContext& ctx, const Settings& s,
                               const std::vector<int>& counts,
                               const std::vector<Windows>& windows) const;
  void verdicts(LessonContext& ctx, const std::vector<Row>& rows, const c10k::RunFacts& facts,
                const std::vector<os::ThreadCap>& caps, const std::vector<c10k::ServerRun>& servers,
                const std::optional<c10k::IoBoundPoint>& io_bound) const;
  void goroutine_rows(LessonContext& ctx, int cpu) const;
  std::vector<int> thread_counts_;
  std::size_t connections_ = 0;  // 0: kDefaultConnections, or kFullConnections with --full
  bool full_ = false;
};

void explain_claim(LessonContext& ctx) {
  ctx.explain(
      "The claim",
      "The notes say a CPU's time is cut into a 10 ms period shared equally by the threads, so "
      "each gets 10 ms ÷ N (5 ms for 2, 2 ms for 5), and that as N grows the slices shrink "
      "until the CPU spends more time switching than working and the system stops "
      "responding. They call this the C10K problem. That model is CFS's idea of a "
      "scheduling period (sched_latency) shared by the runnable tasks, without CFS's floor "
      "(a minimum granularity below which a slice does not shrink: the period stretches "
      "instead); EEVDF, Linux's scheduler since 6.6, has no period at all: each task asks "
      "for a slice of its own.\n\n"
      "C10K originally meant something else: Dan Kegel's 1999 page \"The C10K problem\" asked "
      "how a web server could serve ten thousand clients at once, and compared ways of doing "
      "it (select/poll, epoll and other readiness APIs, asynchronous I/O, one thread per "
      "client with blocking I/O, servers inside the kernel). Thread-per-connection is only one "
      "of those strategies. This lesson measures its scheduling cost: N threads that all want "
      "the CPU at once, which is the worst case (real connection threads mostly sleep).");
}

// Counts the tightest limit on tasks has no room for are left out, with a warning.
void fit_task_limit(LessonContext& ctx, std::vector<int>& counts,
                    const std::optional<os::ThreadCap>& tightest) {
  if (!tightest) {
    return;
  }
  auto fit = c10k::fit_counts(counts, tightest->headroom);
  const std::string room = fmt::format(
      "{} leaves room for {} more threads, and {} of them stay with the rest of the "
      "machine",
      tightest->name, format_count(tightest->headroom), format_count(fit.margin));
  std::string stand_in;
  if (fit.stand_in > 0) {
    const bool asked = std::find(counts.begin(), counts.end(), fit.stand_in) != counts.end();
    stand_in =
        fmt::format("N = {} is measured {}", format_count(fit.stand_in),
                    asked ? "all the same, and where it fails shows the limit" : "in their place");
  }
  if (!fit.left_out.empty()) {
    ctx.warn(fmt::format("N = {} left out: {}{}", count_list(fit.left_out), room,
                         stand_in.empty() ? "" : "; " + stand_in));
  } else if (!stand_in.empty()) {
    ctx.warn(room + ": " + stand_in);
  }
  counts = std::move(fit.kept);
}

void fit_one_cpu(LessonContext& ctx, std::vector<int>& counts) {
  if (ctx.allowed_cpus().size() >= 2 || counts.empty() || counts.back() <= kOneCpuMaxThreads) {
    return;
  }
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

std::vector<int> C10kLesson::thread_counts(LessonContext& ctx,
                                           const std::optional<os::ThreadCap>& tightest) const {
  std::vector<int> counts = !thread_counts_.empty() ? thread_counts_
                            : ctx.quick()           ? kQuickThreads
                                                    : kDefaultThreads;
  if (full_) {
    counts.push_back(kFullThreads);
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  fit_task_limit(ctx, counts, tightest);
  fit_one_cpu(ctx, counts);
  return counts;
}

Settings C10kLesson::settings(LessonContext& ctx) const {
  Settings s;
  s.cpu = ctx.cpu();
  s.min_window_ns = ctx.quick() ? kQuickMinWindowNs : kMinWindowNs;
  s.turns = ctx.quick() ? kQuickTurnsPerWindow : kTurnsPerWindow;
  for (int c : ctx.allowed_cpus()) {
    if (c != s.cpu) {
      s.reader_cpu = c;
      break;
    }
  }
  s.baseline_tasks = tasks_now();
  return s;
}

// The turn two busy threads really get sizes every window.
double C10kLesson::calibrate(LessonContext& ctx, const Settings& s,
                             const os::SystemInfo& info) const {
  const std::int64_t ns = ctx.quick() ? kQuickCalibrationNs : kCalibrationNs;
  ctx.progress(fmt::format("c10k: calibrating: {} busy threads on CPU {} for {}",
                           kCalibrationThreads, s.cpu, format_ns(static_cast<double>(ns))));
  const Row row = measure_one(s, kCalibrationThreads, {ns, 0});
  const double tick_ns = info.config_hz ? 1e9 / *info.config_hz : 4e6;
  if (const auto turn = row.mean_turn_ns()) {
    ctx.measure("calibration_slice_ns", "each thread's mean turn, 2 busy threads (calibration)",
                "ns", row.thread_turns_ns,
                "schedstat of each thread over the window: its time on the CPU ÷ its turns; "
                "median and spread across the threads. Sizes the windows.");
    return *turn;
  }
  ctx.warn(fmt::format(
      "The calibration saw no switch between its 2 threads: the windows are "
      "sized from {} instead",
      info.config_hz ? fmt::format("the tick ({} at HZ={})", format_ns(tick_ns), *info.config_hz)
                     : std::string("an assumed 4 ms tick (HZ unknown)")));
  return tick_ns;
}

void explain_experiment(LessonContext& ctx, const Settings& s) {
  ctx.explain(
      "The experiment",
      fmt::format("For each N, N threads are created with the default stack, pinned to CPU {}, "
                  "and released together. They compute in a loop and count the work units "
                  "they finish, only while the window is open. /proc/self/task/<tid>/schedstat "
                  "(time on the CPU, time waiting, number of turns) is read for every thread "
                  "at both ends of the window from CPU {}, so only the window counts. Then a "
                  "probe thread on CPU {} sleeps 1 ms in a loop and records how late it wakes.",
                  s.cpu, s.reader_cpu >= 0 ? std::to_string(s.reader_cpu) : std::string("the same"),
                  s.cpu));
}

std::string plan_note(const Settings& s, const os::SystemInfo& info, double slice_ns, int largest,
                      double total_ns) {
  const double tick_ns = info.config_hz ? 1e9 / *info.config_hz : 0;
  return fmt::format(
      "Two busy threads got {} per turn here. A thread that never sleeps is preempted only at "
      "a timer tick ({}) or when another thread wakes up, so the turn you measure is often a "
      "tick, not {}. One round of N threads therefore takes about N × {}: at N={} that is {}, "
      "and every busy window lasts at least {} rounds. The probe's window is one round more "
      "than the minimum, since its first wake-up may wait a round, and is stretched up to twice "
      "while it has fewer than {} wake-ups. Expect about {} of measuring.",
      format_ns(slice_ns),
      info.config_hz ? fmt::format("{} at HZ={}", format_ns(tick_ns), *info.config_hz)
                     : std::string("HZ unknown"),
      info.se_slice_ns
          ? fmt::format("the {} EEVDF asks for (se.slice)", format_ns(*info.se_slice_ns))
          : std::string("the slice the scheduler computes"),
      format_ns(slice_ns), format_count(largest), format_ns(os::round_ns(largest, slice_ns)),
      report::format_number(s.turns), kMinProbeSamples, format_ns(total_ns));
}

std::vector<Windows> C10kLesson::plan(LessonContext& ctx, const Settings& s,
                                      const std::vector<int>& counts, double slice_ns,
                                      const os::SystemInfo& info) const {
  report::Table table{"plan",
                      "The plan: one window per N, long enough for every thread to have a turn",
                      {"N", "one round (N × turn)", "busy window", "probe window"},
                      {},
                      ""};
  std::vector<Windows> windows;
  double total_ns = 0;
  for (int n : counts) {
    const auto round = static_cast<std::int64_t>(os::round_ns(n, slice_ns));
    const Windows w{std::max(s.min_window_ns, static_cast<std::int64_t>(s.turns * round)),
                    s.min_window_ns + round};
    windows.push_back(w);
    total_ns += static_cast<double>(w.busy_ns + w.probe_ns + kSettleNs);
    table.rows.push_back({static_cast<std::int64_t>(n), format_ns(static_cast<double>(round)),
                          format_ns(static_cast<double>(w.busy_ns)),
                          format_ns(static_cast<double>(w.probe_ns))});
  }
  const double big_round = os::round_ns(counts.back(), slice_ns);
  table.note = plan_note(s, info, slice_ns, counts.back(), total_ns);
  explain_experiment(ctx, s);
  ctx.report().add(std::move(table));
  // The progress line is one terminal line: the plan in short (the table's note has it all).
  ctx.progress(fmt::format("c10k: about {} of measuring, N = {}; one round at N={}: {}",
                           format_ns(total_ns), count_list(counts), format_count(counts.back()),
                           format_ns(big_round)));
  return windows;
}

// The probe alone on the CPU: the floor of wake-up lateness.
void probe_alone(LessonContext& ctx, const Settings& s) {
  std::vector<std::int64_t> alone;
  {
    os::WakeProbe probe({s.cpu, kProbePeriodNs, kMaxProbeSamples});
    if (probe.create_error() != 0) {
      ctx.warn(
          fmt::format("The probe thread could not be created ({}): no wake-up lateness "
                      "alone on the CPU",
                      error_name(probe.create_error())));
      return;
    }
    os::sleep_interruptible(s.min_window_ns);
    alone = probe.stop();
  }
  if (!alone.empty()) {
    ctx.measure("wake_late_ns_alone", "1 ms sleeper alone on the CPU: wakes late by", "ns",
                std::vector<double>(alone.begin(), alone.end()),
                fmt::format("clock_nanosleep to an absolute deadline 1 ms ahead on CPU {}, "
                            "timer slack 1 ns; lateness = monotonic clock after waking − "
                            "deadline",
                            s.cpu));
  }
}

std::vector<Row> C10kLesson::measure_all(LessonContext& ctx, const Settings& s,
                                         const std::vector<int>& counts,
                                         const std::vector<Windows>& windows) const {
  if (!counts.empty()) {
    const int n = counts.back();
    ctx.predict({"c10k_turn_ms",
                 fmt::format("{} busy threads share CPU {}. How long does each one run per "
                             "turn before another takes the CPU?",
                             format_count(n), s.cpu),
                 fmt::format("turn, {} busy threads", format_count(n)), "ms", 0.001, 10'000,
                 median_of(fmt::format("slice_ns_n{}", n), 1e-6)});
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    LessonContext::check_interrupted();
    if (windows[i].busy_ns + windows[i].probe_ns > kAnnounceNs) {
      ctx.progress(fmt::format("c10k: N={}: {} busy window, then {} with the probe",
                               format_count(counts[i]),
                               format_ns(static_cast<double>(windows[i].busy_ns)),
                               format_ns(static_cast<double>(windows[i].probe_ns))));
    }
    rows.push_back(measure_one(s, counts[i], windows[i]));
  }
  return rows;
}

std::optional<double> meminfo_bytes(const char* key) {
  auto text = os::read_meminfo();
  const auto kib = text ? os::parse_meminfo_kib(*text, key) : std::nullopt;
  return kib ? std::optional<double>(static_cast<double>(*kib) * 1024) : std::nullopt;
}

thread_limits::MemoryFacts memory_facts() {
  thread_limits::MemoryFacts m;
  m.available_bytes = meminfo_bytes("MemAvailable");
  if (const auto as = os::get_rlimit(RLIMIT_AS).soft) {
    m.rlimit_as_bytes = static_cast<double>(*as);
  }
  const auto status = os::read_status(::getpid());
  m.vm_size_bytes = status ? static_cast<double>(status->vm_size_kib.value_or(0)) * 1024 : 0.0;
  return m;
}

std::string probe_missing(const Row& r) {
  if (r.probe_error != 0) {
    return fmt::format("at N={} the probe thread could not be created ({})", r.created,
                       error_name(r.probe_error));
  }
  if (!r.first_wake_ns || r.lateness_ns.empty()) {
    return fmt::format("at N={} the probe did not wake twice in its window", r.created);
  }
  return "";
}

c10k::LoadPoint load_point(const Row& r) {
  c10k::LoadPoint p;
  p.threads = r.created;
  p.cpu_share = r.stats.cpu_share();
  p.work_per_cpu_second = r.work_per_cpu_second();
  p.switches_per_second = r.stats.slices_per_second();
  p.slice_ns = r.mean_turn_ns().value_or(0);
  p.probe_missing = probe_missing(r);
  p.wake_p99_ns = c10k::percentile(r.lateness_ns, 99);
  p.first_wake_ns = static_cast<double>(r.first_wake_ns.value_or(0));
  p.wait_per_turn_ns = r.stats.mean_wait_per_turn_ns().value_or(0);
  return p;
}

void C10kLesson::verdicts(LessonContext& ctx, const std::vector<Row>& rows,
                          const c10k::RunFacts& facts, const std::vector<os::ThreadCap>& caps,
                          const std::vector<c10k::ServerRun>& servers,
                          const std::optional<c10k::IoBoundPoint>& io_bound) const {
  const Row& largest = rows.back();
  auto limits =
      thread_limits::memory_limits(memory_facts(), largest.stack_touched, largest.stack_reserved);
  for (const auto& c : caps) {
    limits.push_back({c.name, c.headroom, thread_limits::LimitKind::count});
  }
  thread_limits::Attempt attempt{
      largest.requested, largest.created, largest.error,
      fmt::format("each thread reserved {} for its stack and guard page and touched {} of "
                  "it; the cost that grows with N is scheduling (C19, C20)",
                  report::format_bytes(largest.stack_reserved),
                  report::format_bytes(largest.stack_touched))};
  // The thread-per-connection server is the larger live attempt when it asked for more.
  if (const auto* t = c10k::thread_server(servers);
      t != nullptr && static_cast<int>(t->asked) > largest.requested) {
    attempt = {static_cast<int>(t->asked), static_cast<int>(t->reached), t->create_error,
               c10k::connection_cost_text(servers)};
  }
  ctx.verdict(thread_limits::judge_c18(thread_limits::tightest(limits), attempt));
  std::vector<c10k::SlicePoint> points;
  for (const auto& r : rows) {
    if (const auto turn = r.mean_turn_ns()) {
      const bool sample = r.ran() == r.read() && r.enough_read();
      points.push_back({r.created, *turn, sample ? -1 : r.ran()});
    }
  }
  ctx.verdict(c10k::judge_c19(
      points, {facts.info.scheduler, facts.info.config_hz, facts.info.se_slice_ns}));
  auto c20 = c10k::judge_c20(load_point(rows[facts.baseline]), load_point(largest), io_bound);
  c20.because += c10k::connection_latency_text(servers);
  ctx.verdict(std::move(c20));
}

void C10kLesson::goroutine_rows(LessonContext& ctx, int cpu) const {
  ctx.explain("The same work as goroutines",
              fmt::format("Goroutines share a CPU by taking turns of their own choosing: here "
                          "each one does the busy threads' work units for about {} and then "
                          "yields (rt::yield) to the next in the worker's queue. No timer "
                          "preempts them and the kernel sees one thread, so there is no "
                          "involuntary switch; the cost is that a goroutine that never yields "
                          "holds the worker, and with N of them a turn comes back only every N "
                          "turns.",
                          format_ns(static_cast<double>(kGoroutineTurnNs))));
  std::vector<int> counts = ctx.quick() ? kQuickGoroutineCounts : kGoroutineCounts;
  if (full_) {
    counts.push_back(kFullGoroutines);
  }
  const std::int64_t window = ctx.quick() ? kQuickGoroutineWindowNs : kGoroutineWindowNs;
  std::vector<c10k::GoroutineFigures> rows;
  for (const int n : counts) {
    LessonContext::check_interrupted();
    ctx.progress(fmt::format("c10k: {} goroutines on one worker", format_count(n)));
    rows.push_back(c10k::measure_goroutines(cpu, n, window, kGoroutineTurnNs));
  }
  LessonContext::check_interrupted();
  c10k::report_goroutines(ctx, rows, kGoroutineTurnNs, cpu);
}

void C10kLesson::run(LessonContext& ctx) {
  explain_claim(ctx);
  if (const int repeat = ctx.repeats(0, 0); repeat > 0) {
    ctx.warn(
        fmt::format("--repeat {}: this lesson times one window per N (its samples are the "
                    "threads and the wake-ups), so --repeat is not used",
                    repeat));
  }
  c10k::RunFacts facts;
  facts.info = ctx.system_info();
  facts.cpu = ctx.cpu();
  const auto caps = os::thread_caps(os::read_thread_cap_input());
  const std::vector<int> counts = thread_counts(ctx, os::tightest_cap(caps));
  const Settings s = settings(ctx);
  std::optional<os::ScopedPin> pinned;
  pinned.emplace(s.reader_cpu, ctx.allowed_cpus());
  // Each experiment is a part: --step pauses before it runs, and may skip it or run it again.
  // The busy threads are the headline; every verdict rests on them.
  std::vector<Row> rows;
  const bool threads_ran = ctx.part([&] { rows = busy_threads(ctx, s, counts, facts); });
  ctx.part([&] { goroutine_rows(ctx, s.cpu); });
  std::optional<c10k::IoBoundPoint> io_bound;  // C20 falls back on the busy threads without it
  ctx.part("I/O-bound threads: a wake-up, some work, a block",
           [&] { io_bound = c10k::measure_io_bound(ctx, s.cpu); });
  pinned.reset();  // the servers use every CPU allowed
  const std::size_t connections =
      connections_ != 0 ? connections_ : (full_ ? kFullConnections : kDefaultConnections);
  std::vector<c10k::ServerRun> servers;
  const auto shown = static_cast<std::int64_t>(connections);
  ctx.part(fmt::format("{} connections to three echo servers", format_count(shown)), [&] {
    ctx.progress(fmt::format("c10k: {} connections, three servers", connections));
    const auto plan = c10k::plan_connections(connections, ctx.quick());
    servers = c10k::run_servers(plan);
    c10k::report_connections(ctx, plan, servers);
  });
  if (threads_ran && !rows.empty()) {
    verdicts(ctx, rows, facts, caps, servers, io_bound);
  }
}

// The headline: N busy threads on one CPU, calibrated, planned (the section the class reads
// while they run), measured and reported.
std::vector<Row> C10kLesson::busy_threads(LessonContext& ctx, const Settings& s,
                                          const std::vector<int>& counts,
                                          c10k::RunFacts& facts) const {
  const double slice_ns = calibrate(ctx, s, facts.info);
  const auto windows = plan(ctx, s, counts, slice_ns, facts.info);
  probe_alone(ctx, s);
  std::vector<Row> rows = measure_all(ctx, s, counts, windows);
  std::vector<double> shares;
  shares.reserve(rows.size());
  for (const auto& r : rows) {
    shares.push_back(r.stats.cpu_share());
  }
  const auto baseline = c10k::c20_baseline(shares);
  facts.baseline = baseline.value_or(0);
  facts.baseline_trusted = baseline.has_value();
  c10k::report_measurements(ctx, rows, s.cpu);
  c10k::report_slices(ctx, rows, facts.info);
  c10k::report_windows(ctx, rows, s.cpu);
  c10k::report_cost(ctx, rows, facts);
  c10k::report_creation(ctx, rows, s.cpu);
  c10k::report_chart(ctx, rows);
  c10k::explain_meaning(ctx, rows, facts);
  c10k::report_timing(ctx, rows, s.reader_cpu);
  return rows;
}

}  // namespace

std::unique_ptr<Lesson> make_c10k_lesson() {
  return std::make_unique<C10kLesson>();
}

}  // namespace conc::lessons
