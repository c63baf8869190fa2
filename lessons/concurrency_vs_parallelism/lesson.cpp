// Lesson `concurrency-vs-parallelism` (C01-C03, C13): one job, K pieces, three ways to run them.
// Verdict rules: concurrency_vs_parallelism_verdicts.cpp.

#include "lessons/concurrency_vs_parallelism/concurrency_vs_parallelism.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "lessons/common/lesson.h"
#include "os/procfs/cpu_list.h"
#include "os/procfs/cpu_usage.h"
#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/thread.h"
#include "os/workloads/busy_group.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

namespace cvp = concurrency_vs_parallelism;
using report::format_ns;
using report::format_ratio;

constexpr std::int64_t kUs = 1'000, kMs = 1'000'000;
constexpr int kDefaultTasks = 4, kMinTasks = 2, kMaxTasks = 64;
constexpr int kRoundsPerUnit = 64;  // one work unit = spin_work(64 rounds), as in os::BusyGroup
constexpr int kCalibrationUnits = 20'000, kCalibrationRepeats = 7;
// The big job: this much work done sequentially, long enough for many 4 ms turns on one CPU.
constexpr std::int64_t kJobNs = 240 * kMs, kQuickJobNs = 80 * kMs;
constexpr int kRepeats = 3, kQuickRepeats = 2;
// The pieces note their CPU after about this much work (and the time too, when traced); a trace
// holds at most this many samples.
constexpr std::int64_t kSampleEveryNs = 20 * kUs;
constexpr std::size_t kMaxSamplesPerTask = 1 << 16;
constexpr int kTimelineColumns = 64;
// "At the same time" for the overlap figure: samples in one bucket of this width.
constexpr std::int64_t kOverlapBucketNs = 1 * kMs;
// Crossover: job sizes (sequential CPU time) to try, and repeats of each, interleaved.
const std::vector<std::int64_t> kCrossoverJobsNs = {10 * kUs, 30 * kUs, 100 * kUs, 300 * kUs,
                                                    1 * kMs,  3 * kMs,  10 * kMs,  30 * kMs};
const std::vector<std::int64_t> kQuickCrossoverJobsNs = {10 * kUs, 100 * kUs, 1 * kMs, 10 * kMs};
constexpr int kCrossoverRepeats = 9, kQuickCrossoverRepeats = 3;
// Below this, what other programs took of a CPU is within /proc/stat's tick resolution.
constexpr double kNoticeableShare = 0.02;

enum Mode { kSequential, kConcurrent, kParallel, kModes };
constexpr std::array<const char*, kModes> kModeIds = {"sequential", "concurrent", "parallel"};

// ---- running the job ---------------------------------------------------------------------

struct PieceResult {
  std::uint64_t value = 0;
  std::int64_t cpu_ns = 0;
  std::vector<std::int64_t> ns_by_cpu;  // cpu_ns split by the CPU each unit finished on
};

// One piece of the job: `units` work units from `seed`, noting the CPU every `chunk` units (and
// the time too when traced). Units are equal work, so the piece's CPU time is split between
// CPUs in proportion to the units done on each. Ctrl-C cuts it short: the runs below then throw
// instead of returning a partial result.
PieceResult run_piece(std::uint64_t units, std::uint64_t seed, std::uint64_t chunk,
                      TaskTrace* trace) {
  const std::int64_t cpu0 = os::thread_cpu_ns();
  if (trace != nullptr) {
    trace->samples.clear();
    trace->samples.reserve(std::min<std::size_t>(kMaxSamplesPerTask, units / chunk + 2));
    trace->start_ns = os::monotonic_ns();
  }
  std::vector<std::uint64_t> units_by_cpu;
  std::uint64_t x = seed;
  for (std::uint64_t done = 0; done < units && !os::interrupted();) {
    const std::uint64_t n = std::min(chunk, units - done);
    x = os::spin_work(x, static_cast<int>(n) * kRoundsPerUnit);
    done += n;
    const auto cpu = static_cast<std::size_t>(std::max(0, os::current_cpu()));
    units_by_cpu.resize(std::max(units_by_cpu.size(), cpu + 1), 0);
    units_by_cpu[cpu] += n;
    if (trace != nullptr && trace->samples.size() < kMaxSamplesPerTask) {
      trace->samples.push_back({os::monotonic_ns(), static_cast<int>(cpu)});
    }
  }
  if (trace != nullptr) {
    trace->end_ns = os::monotonic_ns();
  }
  PieceResult r{x, os::thread_cpu_ns() - cpu0, {}};
  for (const auto u : units_by_cpu) {
    r.ns_by_cpu.push_back(units > 0 ? static_cast<std::int64_t>(static_cast<double>(r.cpu_ns) *
                                                                static_cast<double>(u) /
                                                                static_cast<double>(units))
                                    : 0);
  }
  return r;
}

struct Job {
  std::uint64_t units_per_piece = 1;
  std::uint64_t chunk = 1;
  int pieces = 1;
  std::uint64_t seed(int i) const {
    return 0x2545F4914F6CDD1DULL * static_cast<std::uint64_t>(i + 1);
  }
};

Job make_job(double job_ns, double unit_ns, int pieces) {
  Job job;
  job.pieces = pieces;
  job.units_per_piece =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(job_ns / unit_ns) / pieces);
  job.chunk = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(kSampleEveryNs / unit_ns));
  return job;
}

struct RunResult {
  std::int64_t wall_ns = 0;
  std::int64_t cpu_ns = 0;
  std::uint64_t value = 0;
  std::int64_t t0_ns = 0;
  std::vector<TaskTrace> traces;
  std::vector<std::int64_t> ns_by_cpu;
  int inline_pieces = 0;  // pieces run on the calling thread because a thread could not start

  void add(const PieceResult& p) {
    value ^= p.value;
    cpu_ns += p.cpu_ns;
    ns_by_cpu.resize(std::max(ns_by_cpu.size(), p.ns_by_cpu.size()), 0);
    for (std::size_t c = 0; c < p.ns_by_cpu.size(); ++c) {
      ns_by_cpu[c] += p.ns_by_cpu[c];
    }
  }
};

RunResult run_sequential(const Job& job, bool trace) {
  RunResult r;
  if (trace) {
    r.traces.resize(static_cast<std::size_t>(job.pieces));
  }
  r.t0_ns = os::monotonic_ns();
  std::vector<PieceResult> pieces;
  pieces.reserve(static_cast<std::size_t>(job.pieces));
  for (int i = 0; i < job.pieces; ++i) {
    pieces.push_back(run_piece(job.units_per_piece, job.seed(i), job.chunk,
                               trace ? &r.traces[static_cast<std::size_t>(i)] : nullptr));
  }
  r.wall_ns = os::monotonic_ns() - r.t0_ns;
  os::throw_if_interrupted();
  for (const auto& p : pieces) {
    r.add(p);
  }
  return r;
}

// K threads, each pinned to `cpu` (or free when cpu < 0), one piece each.
RunResult run_threaded(const Job& job, int cpu, bool trace) {
  RunResult r;
  const auto k = static_cast<std::size_t>(job.pieces);
  if (trace) {
    r.traces.resize(k);
  }
  std::vector<PieceResult> results(k);
  r.t0_ns = os::monotonic_ns();
  {
    std::vector<os::Thread> threads(k);
    for (std::size_t i = 0; i < k; ++i) {
      auto body = [&, i] {
        results[i] = run_piece(job.units_per_piece, job.seed(static_cast<int>(i)), job.chunk,
                               trace ? &r.traces[i] : nullptr);
      };
      if (os::Thread::start(threads[i], body, {0, cpu}) != 0) {
        body();  // a limit was hit: the piece still gets done, and the lesson says so
        ++r.inline_pieces;
      }
    }
  }  // joined here
  r.wall_ns = os::monotonic_ns() - r.t0_ns;
  os::throw_if_interrupted();
  for (const auto& p : results) {
    r.add(p);
  }
  return r;
}

// The threaded run, with what other programs did with each CPU meanwhile.
RunResult run_free_metered(const Job& job, bool trace, os::OtherLoadMeter& meter) {
  const auto before = os::snapshot_cpu_usage();
  RunResult r = run_threaded(job, -1, trace);
  meter.add(before, os::snapshot_cpu_usage(), r.ns_by_cpu);
  return r;
}

// ---- the three modes -----------------------------------------------------------------------

struct Modes {
  int repeats = 0;
  std::array<std::vector<double>, kModes> wall, cpu;
  std::array<RunResult, kModes> last;  // traced
  bool same = true;
  int inline_pieces = 0;
  std::optional<os::OtherLoad> others;  // during the parallel runs
};

Modes run_modes(LessonContext& ctx, const Job& job) {
  Modes m;
  m.repeats = ctx.repeats(kRepeats, kQuickRepeats);
  os::OtherLoadMeter meter(os::ns_per_clock_tick());
  std::uint64_t reference = 0;
  ctx.progress(
      fmt::format("the job three ways (sequential, concurrent, parallel), {} times", m.repeats));
  for (int r = 0; r < m.repeats; ++r) {
    ctx.progress_step(r, m.repeats);
    const bool trace = r == m.repeats - 1;
    std::array<RunResult, kModes> runs;
    LessonContext::check_interrupted();
    {
      const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
      runs[kSequential] = run_sequential(job, trace);
    }
    LessonContext::check_interrupted();
    runs[kConcurrent] = run_threaded(job, ctx.cpu(), trace);
    LessonContext::check_interrupted();
    runs[kParallel] = run_free_metered(job, trace, meter);
    if (r == 0) {
      reference = runs[kSequential].value;
    }
    for (int mode = 0; mode < kModes; ++mode) {
      auto& run = runs[static_cast<std::size_t>(mode)];
      m.wall[static_cast<std::size_t>(mode)].push_back(static_cast<double>(run.wall_ns));
      m.cpu[static_cast<std::size_t>(mode)].push_back(static_cast<double>(run.cpu_ns));
      m.inline_pieces += run.inline_pieces;
      m.same = m.same && run.value == reference;
      if (trace) {
        m.last[static_cast<std::size_t>(mode)] = std::move(run);
      }
    }
  }
  m.others = os::busiest(meter.loads(ctx.allowed_cpus()));
  return m;
}

struct Medians {
  std::array<double, kModes> wall{}, cpu{};
};

Medians measure_modes(LessonContext& ctx, const Modes& m) {
  const std::string wall_method = fmt::format(
      "monotonic clock around the whole run, thread creation and joins included; {} repeats, "
      "the three modes in turn",
      m.repeats);
  Medians med;
  for (std::size_t i = 0; i < kModes; ++i) {
    med.wall[i] =
        ctx.measure(fmt::format("wall_ns_{}", kModeIds[i]),
                    fmt::format("{}: wall time", kModeIds[i]), "ns", m.wall[i], wall_method)
            .stats.median;
  }
  for (std::size_t i = 0; i < kModes; ++i) {
    med.cpu[i] =
        ctx.measure(fmt::format("cpu_ns_{}", kModeIds[i]), fmt::format("{}: CPU time", kModeIds[i]),
                    "ns", m.cpu[i], "sum of each piece's CLOCK_THREAD_CPUTIME_ID over its work")
            .stats.median;
  }
  return med;
}

// What other programs took while the threads ran free (/proc/stat, minus the threads' time).
std::string others_note(const std::optional<os::OtherLoad>& others, const std::vector<int>& cpus) {
  if (!others) {
    return "";
  }
  if (others->share < kNoticeableShare) {
    return fmt::format(
        " While the threads ran free, other programs took less than {} of any of "
        "CPUs {} (/proc/stat, minus these threads' time).",
        report::format_percent(kNoticeableShare), os::format_cpu_list(cpus));
  }
  return fmt::format(
      " While the threads ran free, other programs took up to {} of CPU {} "
      "(/proc/stat, minus these threads' time).",
      report::format_percent(others->share), others->cpu);
}

void report_modes(LessonContext& ctx, const Modes& m, const Medians& med, int k) {
  const std::array<std::string, kModes> where = {
      fmt::format("1 thread, CPU {}", ctx.cpu()),
      fmt::format("{} threads pinned to CPU {}", k, ctx.cpu()),
      fmt::format("{} threads free on CPUs {}", k, os::format_cpu_list(ctx.allowed_cpus()))};
  report::Table table{
      "modes",
      fmt::format("One job of {} of CPU time cut into {} pieces", format_ns(med.cpu[0]), k),
      {"run", "where", "wall", "CPU time", "CPU ÷ wall", "speed-up", "result"},
      {},
      ""};
  // A baseline that did not get its CPU makes every speed-up against it too high.
  const double baseline_share = med.cpu[0] / med.wall[0];
  const bool baseline_ok = baseline_share >= cvp::kMinBaselineCpuShare;
  for (std::size_t i = 0; i < kModes; ++i) {
    table.rows.push_back({std::string(kModeIds[i]), where[i], format_ns(med.wall[i]),
                          format_ns(med.cpu[i]), med.cpu[i] / med.wall[i],
                          format_ratio(med.wall[0] / med.wall[i]) + (baseline_ok ? "" : " (!)"),
                          fmt::format("{:016x}", m.last[i].value)});
  }
  table.note = fmt::format(
      "Medians of {} runs. CPU ÷ wall = how many CPUs were busy on average. The result is the "
      "XOR of the pieces' outputs: the same computation whichever way it ran.{}",
      m.repeats, others_note(m.others, ctx.allowed_cpus()));
  ctx.report().add(std::move(table));
  if (!baseline_ok) {
    ctx.warn(fmt::format(
        "speed-ups (!) untrusted: the one-thread baseline got only {} of CPU {} (CPU ÷ wall; "
        "other programs ran there), so every speed-up against it is too high; try again on a "
        "quieter machine or another CPU (--cpu N)",
        report::format_percent(baseline_share), ctx.cpu()));
  }
  if (m.inline_pieces > 0) {
    ctx.warn(
        fmt::format("{} pieces ran on the main thread because a thread could not be "
                    "created (a task or memory limit)",
                    m.inline_pieces));
  }
}

// Timelines of the last repeat, on one time scale.
void add_timelines(LessonContext& ctx, const Modes& m, int k) {
  const std::int64_t longest =
      std::max({m.last[0].wall_ns, m.last[1].wall_ns, m.last[2].wall_ns, std::int64_t{1}});
  const std::int64_t bucket = (longest + kTimelineColumns - 1) / kTimelineColumns;
  const std::array<std::string, kModes> titles = {
      fmt::format("Sequential: one piece after another on CPU {}", ctx.cpu()),
      fmt::format("Concurrent: the pieces take turns on CPU {}", ctx.cpu()),
      fmt::format("Parallel: the pieces free on CPUs {}", os::format_cpu_list(ctx.allowed_cpus()))};
  for (std::size_t i = 0; i < kModes; ++i) {
    report::Timeline t;
    t.id = fmt::format("timeline_{}", kModeIds[i]);
    t.title = titles[i];
    t.bucket_ms = static_cast<double>(bucket) / 1e6;
    const int columns = static_cast<int>((m.last[i].wall_ns + bucket - 1) / bucket);
    t.rows = timeline_rows(m.last[i].traces, m.last[i].t0_ns, bucket, columns);
    for (int p = 0; p < k; ++p) {
      t.row_labels.push_back(fmt::format("piece {}", p + 1));
    }
    t.legend = "digit = the CPU the piece ran on in that column; · = waiting for its turn";
    ctx.report().add(std::move(t));
  }
}

// ---- the lesson ----------------------------------------------------------------------------

class ConcurrencyVsParallelismLesson final : public Lesson {
 public:
  std::string_view name() const override { return "concurrency-vs-parallelism"; }
  std::string_view title() const override {
    return "Concurrency vs parallelism: one job, interleaved on one CPU or spread over several";
  }
  std::vector<std::string_view> claims() const override { return {"C01", "C02", "C03", "C13"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--tasks", tasks_, "Pieces (and threads) the job is cut into")
        ->type_name("K")
        ->check(whole_number(kMinTasks, kMaxTasks));
  }
  void run(LessonContext& ctx) override;

 private:
  double calibrate_unit_ns(LessonContext& ctx) const;
  void crossover(LessonContext& ctx, double unit_ns) const;
  int tasks_ = kDefaultTasks;
};

void explain_claims(LessonContext& ctx) {
  ctx.explain(
      "The claims",
      "Concurrency is a way to structure a program: independent computations composed "
      "together, which may or may not execute at the same time. Parallelism is execution: "
      "several computations running at the same instant, which needs several CPUs. A "
      "concurrent design is what lets a program use more CPUs.\n\n"
      "The experiment: one CPU-bound job (pure arithmetic, no memory traffic) cut into K equal "
      "pieces, run three ways: one after another on one thread; K threads pinned to one CPU "
      "(concurrent: they take turns); K threads free on every allowed CPU (parallel when the "
      "CPUs are there). Each piece notes the time and the CPU it runs on (sched_getcpu) every "
      "~20 µs of work: that is the timeline below.");
  if (ctx.allowed_cpus().size() < 2) {
    ctx.warn(
        "Only one CPU is allowed to this process (taskset, a cgroup cpuset or a one-CPU "
        "machine): the \"parallel\" run has nowhere to spread, so parallelism cannot be shown "
        "here; it runs interleaved exactly like the concurrent one. The verdicts say so.");
  }
}

double ConcurrencyVsParallelismLesson::calibrate_unit_ns(LessonContext& ctx) const {
  const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
  std::uint64_t x = os::spin_work(1, kCalibrationUnits * kRoundsPerUnit);  // warm-up
  std::vector<double> per_unit;
  for (int i = 0; i < kCalibrationRepeats; ++i) {
    const auto t0 = os::thread_cpu_ns();
    x = os::spin_work(x, kCalibrationUnits * kRoundsPerUnit);
    per_unit.push_back(static_cast<double>(os::thread_cpu_ns() - t0) / kCalibrationUnits);
  }
  // CPU time, not wall time: other programs taking the CPU meanwhile must not make the unit
  // look dearer than it is.
  auto& m = ctx.measure("unit_ns", "one work unit (64 xorshift rounds)", "ns", per_unit,
                        fmt::format("thread CPU time of {} units, {} times on CPU {} after a "
                                    "warm-up (checksum {:x})",
                                    report::format_count(kCalibrationUnits), kCalibrationRepeats,
                                    ctx.cpu(), x & 0xfff));
  return std::max(m.stats.median, 0.1);
}

void ConcurrencyVsParallelismLesson::run(LessonContext& ctx) {
  const int k = tasks_;
  const int ncpu = static_cast<int>(ctx.allowed_cpus().size());
  // The headline is a part: its section (the claims and the experiment) is shown while it
  // runs; --step may skip it or run it again. Everything after rests on it.
  double unit_ns = 0;
  Modes modes;
  Medians med;
  const bool modes_ran = ctx.part([&] {
    explain_claims(ctx);
    unit_ns = calibrate_unit_ns(ctx);
    const Job job = make_job(static_cast<double>(ctx.quick() ? kQuickJobNs : kJobNs), unit_ns, k);
    modes = run_modes(ctx, job);
    med = measure_modes(ctx, modes);
    report_modes(ctx, modes, med, k);
    add_timelines(ctx, modes, k);
  });
  if (!modes_ran) {
    return;
  }
  const TraceFacts concurrent = analyse_traces(modes.last[kConcurrent].traces, kOverlapBucketNs);
  const TraceFacts parallel = analyse_traces(modes.last[kParallel].traces, kOverlapBucketNs);

  ctx.part("when does splitting pay? the job at several sizes", [&] { crossover(ctx, unit_ns); });

  const cvp::Room room{ncpu, k, modes.others};
  ctx.verdict(cvp::judge_c01(modes.same, concurrent, k));
  ctx.verdict(
      cvp::judge_c02({room, med.cpu[kParallel] / med.wall[kParallel], parallel.parallel_share}));
  ctx.verdict(cvp::judge_c03({room, med.wall[kSequential] / med.wall[kParallel],
                              med.wall[kSequential] / med.wall[kConcurrent],
                              med.cpu[kSequential] / med.wall[kSequential]}));
  ctx.verdict(cvp::judge_c13(room, concurrent, parallel));
}

void ConcurrencyVsParallelismLesson::crossover(LessonContext& ctx, double unit_ns) const {
  const auto& sizes = ctx.quick() ? kQuickCrossoverJobsNs : kCrossoverJobsNs;
  const int repeats = ctx.repeats(kCrossoverRepeats, kQuickCrossoverRepeats);
  os::OtherLoadMeter meter(os::ns_per_clock_tick());
  std::vector<double> seq_median, par_median;
  report::Table t{
      "crossover",
      fmt::format("When does splitting pay? The job at several sizes, {} pieces", tasks_),
      {"job size (target CPU time)", "sequential, measured", "threads (free), measured",
       "speed-up"},
      {},
      ""};
  ctx.progress(fmt::format("when splitting pays: the job at {} sizes", sizes.size()));
  long long done = 0;
  for (const auto size : sizes) {
    ctx.progress_step(done++, static_cast<long long>(sizes.size()));
    LessonContext::check_interrupted();
    const Job job = make_job(static_cast<double>(size), unit_ns, tasks_);
    run_sequential(job, false);  // warm-up of both
    run_threaded(job, -1, false);
    std::vector<double> seq, par;
    for (int r = 0; r < repeats; ++r) {
      LessonContext::check_interrupted();
      seq.push_back(static_cast<double>(run_sequential(job, false).wall_ns));
      par.push_back(static_cast<double>(run_free_metered(job, false, meter).wall_ns));
    }
    seq_median.push_back(report::median(seq));
    par_median.push_back(report::median(par));
    t.rows.push_back({format_ns(static_cast<double>(size)), format_ns(seq_median.back()),
                      format_ns(par_median.back()),
                      format_ratio(seq_median.back() / par_median.back())});
  }
  cvp::CrossoverView view;
  view.sizes_ns.assign(sizes.begin(), sizes.end());
  view.from = cvp::find_crossover(seq_median, par_median);
  view.room = {static_cast<int>(ctx.allowed_cpus().size()), tasks_,
               os::busiest(meter.loads(ctx.allowed_cpus()))};
  view.repeats = repeats;
  t.note = cvp::crossover_note(view);
  ctx.report().add(std::move(t));
}

}  // namespace

std::unique_ptr<Lesson> make_concurrency_vs_parallelism_lesson() {
  return std::make_unique<ConcurrencyVsParallelismLesson>();
}

}  // namespace conc::lessons
