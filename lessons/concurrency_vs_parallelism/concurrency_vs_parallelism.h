#pragma once
// Lesson `concurrency-vs-parallelism` (claims C01, C02, C03, C13): one CPU-bound job cut into K
// equal pieces, run three ways: sequentially, concurrently on one CPU (K threads pinned to it)
// and in parallel (K threads free on every allowed CPU); the timeline of which piece ran when
// and where; and the job size from which the threaded version beats the sequential one here.
//
// JSON: tables "modes", "crossover"; timelines "timeline_sequential", "timeline_concurrent",
// "timeline_parallel"; measurements "wall_ns_<mode>" and "cpu_ns_<mode>" for mode in
// sequential, concurrent, parallel, and "unit_ns" (one work unit).
//
// The verdict rules are pure functions of this run's numbers, thresholds beside them.

#include <optional>
#include <string>
#include <vector>

#include "lessons/common/cpu_trace.h"
#include "os/procfs/cpu_usage.h"
#include "report/report.h"

namespace conc::lessons::concurrency_vs_parallelism {

// Above this share of an allowed CPU taken by other programs while the threads ran free, that
// CPU was not there for them: C02, C03 and C13 cannot be judged from the run.
inline constexpr double kOtherBusyShare = 0.5;

// What the parallel runs had to work with.
struct Room {
  int allowed_cpus = 1;
  int tasks = 1;
  std::optional<os::OtherLoad> others;  // the CPU other programs took most of meanwhile
  int possible() const;                 // min(K, CPUs): the speed-up the job could reach
};

// C01: the same pieces give the same result however they are run, and on one CPU they
// interleave (the CPU passes from one to another more often than running them back to back).
report::ClaimVerdict judge_c01(bool same_result, const TraceFacts& concurrent, int tasks);

// C02: the parallel run kept several CPUs busy at once.
struct ParallelRun {
  Room room;
  double cpu_over_wall = 0;   // total CPU time ÷ wall time: CPUs busy on average
  double parallel_share = 0;  // TraceFacts::parallel_share
};
// C02 is a definition ("parallelism = execution at the same instant"): confirmed once sustained
// overlap is shown, i.e. pieces were seen on two CPUs at once in at least kMinOverlapOfFree of
// the time the second CPU was free (1 − other programs' share of it, sampled from /proc/stat)
// and in at least kMinSustainedOverlap of the run in absolute terms. Could not judge when there
// is no room (one CPU, one piece), when other programs left under kMinFreeCapacity of the other
// CPU, or when the overlap fell short. Efficiency is C03's business.
inline constexpr double kMinOverlapOfFree = 0.5;
inline constexpr double kMinSustainedOverlap = 0.1;
inline constexpr double kMinFreeCapacity = 0.2;
report::ClaimVerdict judge_c02(const ParallelRun& run);

// C03: the concurrent decomposition speeds up with CPUs; the sequential one cannot.
struct Speedups {
  Room room;
  double parallel = 0;            // sequential wall ÷ parallel wall
  double concurrent = 0;          // sequential wall ÷ one-CPU concurrent wall
  double baseline_cpu_share = 1;  // the sequential run's CPU time ÷ wall: the CPU it got
};
// Confirmed when the parallel speed-up reaches this share of min(K, CPUs).
inline constexpr double kSpeedupEfficiency = 0.75;
// A one-thread baseline that got less than this share of its CPU (something else ran there)
// makes every speed-up against it untrusted, and C03 "could not judge".
inline constexpr double kMinBaselineCpuShare = 0.9;
report::ClaimVerdict judge_c03(const Speedups& s);

// C13: the same threads ran interleaved on one CPU, then on several at once.
// Parallel "at once" needs at least this share of the time with tasks on two CPUs.
inline constexpr double kC13MinParallelShare = 0.25;
report::ClaimVerdict judge_c13(const Room& room, const TraceFacts& concurrent,
                               const TraceFacts& parallel);

// The crossover: the index of the smallest job size from which the threaded median wall time
// is below the sequential one at that size and every larger size; nullopt if it never is.
std::optional<std::size_t> find_crossover(const std::vector<double>& sequential_ns,
                                          const std::vector<double>& threaded_ns);

// What the crossover table's note says, from what was measured.
struct CrossoverView {
  std::vector<double> sizes_ns;     // job sizes tried, ascending
  std::optional<std::size_t> from;  // find_crossover's answer
  Room room;
  int repeats = 0;
};
std::string crossover_note(const CrossoverView& v);

}  // namespace conc::lessons::concurrency_vs_parallelism
