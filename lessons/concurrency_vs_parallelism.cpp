// Lesson `concurrency-vs-parallelism` (C01-C03, C13): one job, K pieces, three ways to run them.
// Verdict rules: concurrency_vs_parallelism_verdicts.cpp.

#include "lessons/concurrency_vs_parallelism.h"

#include <fmt/format.h>
#include <algorithm>
#include <cstring>

#include "lessons/lesson.h"
#include "os/affinity.h"
#include "os/busy_group.h"
#include "os/clock.h"
#include "os/thread.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

namespace cvp = concurrency_vs_parallelism;
using report::format_ns;
using report::format_ratio;

constexpr std::int64_t kUs = 1'000, kMs = 1'000'000;
constexpr int kDefaultTasks = 4, kMaxTasks = 64;
constexpr int kRoundsPerUnit = 64;  // one work unit = spin_work(64 rounds), as in os::BusyGroup
// The big job: this much work done sequentially, long enough for many 4 ms turns on one CPU.
constexpr std::int64_t kJobNs = 240 * kMs, kQuickJobNs = 80 * kMs;
constexpr int kRepeats = 3, kQuickRepeats = 2;
// The tasks note (time, CPU) after about this much work; a trace holds at most this many.
constexpr std::int64_t kSampleEveryNs = 20 * kUs;
constexpr std::size_t kMaxSamplesPerTask = 1 << 16;
constexpr int kTimelineColumns = 64;
// "At the same time" for the overlap figure: samples in one bucket of this width.
constexpr std::int64_t kOverlapBucketNs = 1 * kMs;
// Crossover: job sizes (sequential time) to try, and repeats of each, interleaved.
const std::vector<std::int64_t> kCrossoverJobsNs = {10 * kUs, 30 * kUs, 100 * kUs, 300 * kUs,
                                                    1 * kMs,  3 * kMs,  10 * kMs,  30 * kMs};
const std::vector<std::int64_t> kQuickCrossoverJobsNs = {10 * kUs, 100 * kUs, 1 * kMs, 10 * kMs};
constexpr int kCrossoverRepeats = 9, kQuickCrossoverRepeats = 3;

struct PieceResult {
  std::uint64_t value = 0;
  std::int64_t cpu_ns = 0;
};

// One piece of the job: `units` work units from `seed`, noting (time, CPU) every `chunk` units.
PieceResult run_piece(std::uint64_t units, std::uint64_t seed, std::uint64_t chunk,
                      TaskTrace* trace) {
  const std::int64_t cpu0 = os::thread_cpu_ns();
  if (trace != nullptr) {
    trace->samples.clear();
    trace->samples.reserve(std::min<std::size_t>(kMaxSamplesPerTask, units / chunk + 2));
    trace->start_ns = os::monotonic_ns();
  }
  std::uint64_t x = seed;
  for (std::uint64_t done = 0; done < units;) {
    const std::uint64_t n = std::min(chunk, units - done);
    x = os::spin_work(x, static_cast<int>(n) * kRoundsPerUnit);
    done += n;
    if (trace != nullptr && trace->samples.size() < kMaxSamplesPerTask) {
      trace->samples.push_back({os::monotonic_ns(), os::current_cpu()});
    }
  }
  if (trace != nullptr) {
    trace->end_ns = os::monotonic_ns();
  }
  return {x, os::thread_cpu_ns() - cpu0};
}

struct Job {
  std::uint64_t units_per_piece = 1;
  std::uint64_t chunk = 1;
  int pieces = 1;
  std::uint64_t seed(int i) const {
    return 0x2545F4914F6CDD1DULL * static_cast<std::uint64_t>(i + 1);
  }
};

struct RunResult {
  std::int64_t wall_ns = 0;
  std::int64_t cpu_ns = 0;
  std::uint64_t value = 0;
  std::int64_t t0_ns = 0;
  std::vector<TaskTrace> traces;
  int inline_pieces = 0;  // pieces run on the calling thread because a thread could not start
};

RunResult run_sequential(const Job& job, bool trace) {
  RunResult r;
  if (trace) {
    r.traces.resize(static_cast<std::size_t>(job.pieces));
  }
  r.t0_ns = os::monotonic_ns();
  for (int i = 0; i < job.pieces; ++i) {
    const auto p = run_piece(job.units_per_piece, job.seed(i), job.chunk,
                             trace ? &r.traces[static_cast<std::size_t>(i)] : nullptr);
    r.value ^= p.value;
    r.cpu_ns += p.cpu_ns;
  }
  r.wall_ns = os::monotonic_ns() - r.t0_ns;
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
  for (const auto& p : results) {
    r.value ^= p.value;
    r.cpu_ns += p.cpu_ns;
  }
  return r;
}

double median_of(std::vector<double> v) {
  return report::summarize(std::move(v)).median;
}

class ConcurrencyVsParallelismLesson final : public Lesson {
 public:
  std::string_view name() const override { return "concurrency-vs-parallelism"; }
  std::string_view title() const override {
    return "Concurrency vs parallelism: one job, interleaved on one CPU or spread over several";
  }
  std::vector<std::string_view> claims() const override { return {"C01", "C02", "C03", "C13"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--tasks", tasks_, "Pieces (and threads) the job is cut into (1-64)")
        ->type_name("K")
        ->check(whole_number(1, kMaxTasks));
  }
  void run(LessonContext& ctx) override;

 private:
  double calibrate_unit_ns(LessonContext& ctx) const;
  void crossover(LessonContext& ctx, double unit_ns) const;
  int tasks_ = kDefaultTasks;
};

double ConcurrencyVsParallelismLesson::calibrate_unit_ns(LessonContext& ctx) const {
  const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
  constexpr int kUnits = 20'000;
  std::uint64_t x = os::spin_work(1, kUnits * kRoundsPerUnit);  // warm-up
  std::vector<double> per_unit;
  for (int i = 0; i < 7; ++i) {
    const auto t0 = os::thread_cpu_ns();
    x = os::spin_work(x, kUnits * kRoundsPerUnit);
    per_unit.push_back(static_cast<double>(os::thread_cpu_ns() - t0) / kUnits);
  }
  // CPU time, not wall time: other programs taking the CPU meanwhile must not make the unit
  // look dearer than it is.
  auto& m = ctx.measure("unit_ns", "one work unit (64 xorshift rounds)", "ns", per_unit,
                        fmt::format("thread CPU time of 20,000 units, 7 times on CPU {} after a "
                                    "warm-up (checksum {:x})",
                                    ctx.cpu(), x & 0xfff));
  return std::max(m.stats.median, 0.1);
}

void ConcurrencyVsParallelismLesson::run(LessonContext& ctx) {
  const int k = tasks_;
  const int ncpu = static_cast<int>(ctx.allowed_cpus().size());
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
  if (ncpu < 2) {
    ctx.warn(
        "Only one CPU is allowed to this process (taskset, a cgroup cpuset or a one-CPU "
        "machine): the \"parallel\" run has nowhere to spread, so parallelism cannot be shown "
        "here; it runs interleaved exactly like the concurrent one. The verdicts say so.");
  }
  const double unit_ns = calibrate_unit_ns(ctx);
  const std::int64_t job_ns = ctx.quick() ? kQuickJobNs : kJobNs;
  Job job;
  job.pieces = k;
  job.units_per_piece =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(job_ns / unit_ns) / k);
  job.chunk = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(kSampleEveryNs / unit_ns));

  const int repeats = ctx.repeats(kRepeats, kQuickRepeats);
  std::vector<double> wall[3], cpu[3];
  RunResult last[3];
  bool same = true;
  std::uint64_t reference = 0;
  int inline_pieces = 0;
  for (int r = 0; r < repeats; ++r) {
    const bool trace = r == repeats - 1;
    LessonContext::check_interrupted();
    {
      const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
      last[0] = run_sequential(job, trace);
    }
    LessonContext::check_interrupted();
    last[1] = run_threaded(job, ctx.cpu(), trace);
    LessonContext::check_interrupted();
    last[2] = run_threaded(job, -1, trace);
    for (int m = 0; m < 3; ++m) {
      wall[m].push_back(static_cast<double>(last[m].wall_ns));
      cpu[m].push_back(static_cast<double>(last[m].cpu_ns));
      inline_pieces += last[m].inline_pieces;
      if (r == 0 && m == 0) {
        reference = last[m].value;
      }
      same = same && last[m].value == reference;
    }
  }
  if (inline_pieces > 0) {
    ctx.warn(
        fmt::format("{} pieces ran on the main thread because a thread could not be "
                    "created (a task or memory limit)",
                    inline_pieces));
  }

  static const char* kIds[] = {"sequential", "concurrent", "parallel"};
  const std::string where[] = {
      fmt::format("1 thread, CPU {}", ctx.cpu()),
      fmt::format("{} threads pinned to CPU {}", k, ctx.cpu()),
      fmt::format("{} threads free on CPUs {}", k, os::format_cpu_list(ctx.allowed_cpus()))};
  double median_wall[3], median_cpu[3];
  for (int m = 0; m < 3; ++m) {
    const auto& w = ctx.measure(fmt::format("wall_ns_{}", kIds[m]),
                                fmt::format("{}: wall time", kIds[m]), "ns", wall[m],
                                m == 0 ? fmt::format("monotonic clock around the whole run, "
                                                     "thread creation and joins included; {} "
                                                     "repeats, the three modes in turn",
                                                     repeats)
                                       : "");
    median_wall[m] = w.stats.median;
    median_cpu[m] = median_of(cpu[m]);
  }
  for (int m = 0; m < 3; ++m) {
    ctx.measure(fmt::format("cpu_ns_{}", kIds[m]), fmt::format("{}: CPU time", kIds[m]), "ns",
                cpu[m], m == 0 ? "sum of each piece's CLOCK_THREAD_CPUTIME_ID over its work" : "");
  }
  report::Table modes{
      "modes",
      fmt::format("One job of {} of CPU time cut into {} pieces", format_ns(median_cpu[0]), k),
      {"run", "where", "wall", "CPU time", "CPU ÷ wall", "speed-up", "result"},
      {},
      ""};
  for (int m = 0; m < 3; ++m) {
    modes.rows.push_back({std::string(kIds[m]), where[m], format_ns(median_wall[m]),
                          format_ns(median_cpu[m]), median_cpu[m] / median_wall[m],
                          format_ratio(median_wall[0] / median_wall[m]),
                          fmt::format("{:016x}", last[m].value)});
  }
  modes.note = fmt::format(
      "Medians of {} runs. CPU ÷ wall = how many CPUs were busy on average. The result is the "
      "XOR of the pieces' outputs: the same computation whichever way it ran.",
      repeats);
  ctx.report().add(std::move(modes));

  // Timelines of the last repeat, on one time scale.
  const std::int64_t longest =
      std::max({last[0].wall_ns, last[1].wall_ns, last[2].wall_ns, std::int64_t{1}});
  const std::int64_t bucket = (longest + kTimelineColumns - 1) / kTimelineColumns;
  const char* titles[] = {"Sequential: one piece after another on CPU ",
                          "Concurrent: the pieces take turns on CPU ",
                          "Parallel: the pieces free on CPUs "};
  for (int m = 0; m < 3; ++m) {
    report::Timeline t;
    t.id = fmt::format("timeline_{}", kIds[m]);
    t.title =
        titles[m] + (m < 2 ? std::to_string(ctx.cpu()) : os::format_cpu_list(ctx.allowed_cpus()));
    t.bucket_ms = static_cast<double>(bucket) / 1e6;
    const int columns = static_cast<int>((last[m].wall_ns + bucket - 1) / bucket);
    t.rows = timeline_rows(last[m].traces, last[m].t0_ns, bucket, columns);
    for (int i = 0; i < k; ++i) {
      t.row_labels.push_back(fmt::format("piece {}", i + 1));
    }
    t.legend = "digit = the CPU the piece ran on in that column; · = waiting for its turn";
    ctx.report().add(std::move(t));
  }
  const TraceFacts concurrent = analyse_traces(last[1].traces, kOverlapBucketNs);
  const TraceFacts parallel = analyse_traces(last[2].traces, kOverlapBucketNs);

  crossover(ctx, unit_ns);

  ctx.verdict(cvp::judge_c01(same, concurrent, k));
  ctx.verdict(cvp::judge_c02({ncpu, k, median_cpu[2] / median_wall[2], parallel.parallel_share}));
  ctx.verdict(
      cvp::judge_c03({ncpu, k, median_wall[0] / median_wall[2], median_wall[0] / median_wall[1]}));
  ctx.verdict(cvp::judge_c13(ncpu, concurrent, parallel, k));
}

void ConcurrencyVsParallelismLesson::crossover(LessonContext& ctx, double unit_ns) const {
  const auto& sizes = ctx.quick() ? kQuickCrossoverJobsNs : kCrossoverJobsNs;
  const int repeats = ctx.quick() ? kQuickCrossoverRepeats : kCrossoverRepeats;
  std::vector<double> seq_median, par_median;
  report::Table t{
      "crossover",
      fmt::format("When does splitting pay? The job at several sizes, {} pieces", tasks_),
      {"job (sequential)", "sequential", "threads (free)", "speed-up"},
      {},
      ""};
  for (const auto size : sizes) {
    LessonContext::check_interrupted();
    Job job;
    job.pieces = tasks_;
    job.units_per_piece = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(static_cast<double>(size) / unit_ns) / tasks_);
    job.chunk = job.units_per_piece;  // no tracing here
    run_sequential(job, false);       // warm-up of both
    run_threaded(job, -1, false);
    std::vector<double> seq, par;
    for (int r = 0; r < repeats; ++r) {
      seq.push_back(static_cast<double>(run_sequential(job, false).wall_ns));
      par.push_back(static_cast<double>(run_threaded(job, -1, false).wall_ns));
    }
    seq_median.push_back(median_of(seq));
    par_median.push_back(median_of(par));
    t.rows.push_back({format_ns(static_cast<double>(size)), format_ns(seq_median.back()),
                      format_ns(par_median.back()),
                      format_ratio(seq_median.back() / par_median.back())});
  }
  const auto from = cvp::find_crossover(seq_median, par_median);
  if (!from) {
    t.note = fmt::format(
        "The threaded version never beat the sequential one up to {} of work: with {} CPU{} "
        "allowed, starting threads only adds cost.",
        format_ns(static_cast<double>(sizes.back())), ctx.allowed_cpus().size(),
        ctx.allowed_cpus().size() == 1 ? "" : "s");
  } else if (*from == 0) {
    t.note = fmt::format("The threaded version won at every size tried, from {} of work.",
                         format_ns(static_cast<double>(sizes.front())));
  } else {
    t.note = fmt::format(
        "Crossover here: between {} and {} of work, the threaded version starts to win and "
        "keeps winning. Below it, creating and joining {} threads costs more than the work "
        "they share. Medians of {} runs each, sequential and threaded in turn; wall time "
        "includes thread creation and join.",
        format_ns(static_cast<double>(sizes[*from - 1])),
        format_ns(static_cast<double>(sizes[*from])), tasks_, repeats);
  }
  ctx.report().add(std::move(t));
}

}  // namespace

std::unique_ptr<Lesson> make_concurrency_vs_parallelism_lesson() {
  return std::make_unique<ConcurrencyVsParallelismLesson>();
}

}  // namespace conc::lessons
