// Verdicts of lesson `concurrency-vs-parallelism`: pure functions of the run's numbers.

#include <fmt/format.h>

#include <algorithm>

#include "lessons/concurrency_vs_parallelism.h"
#include "report/units.h"

namespace conc::lessons::concurrency_vs_parallelism {

using report::format_number;
using report::format_percent;
using report::format_ratio;

report::ClaimVerdict judge_c01(bool same_result, const TraceFacts& concurrent, int tasks) {
  report::ClaimVerdict v{"C01", report::Verdict::confirmed, "", ""};
  v.threshold =
      "confirmed when every run gives the same result and, on one CPU, the CPU passed from one "
      "piece to another more often than running them back to back would (more than K - 1 "
      "handovers); nuanced when the results agree but the pieces ran back to back; "
      "contradicted when the results differ";
  if (!same_result) {
    v.verdict = report::Verdict::contradicted;
    v.because = "the sequential, concurrent and parallel runs computed different results";
    return v;
  }
  if (concurrent.handovers > tasks - 1) {
    v.because = fmt::format(
        "the same {} pieces gave the same result run one after another, interleaved on one CPU "
        "({} handovers between pieces where back to back needs {}) and in parallel: one "
        "composition of independent computations, whether or not they overlap",
        tasks, concurrent.handovers, tasks - 1);
  } else {
    v.verdict = report::Verdict::nuanced;
    v.because = fmt::format(
        "the results agree, but on one CPU the {} pieces ran back to back ({} handovers): each "
        "finished within one turn, so nothing was interleaved",
        tasks, concurrent.handovers);
  }
  return v;
}

report::ClaimVerdict judge_c02(const ParallelRun& run) {
  report::ClaimVerdict v{"C02", report::Verdict::confirmed, "", ""};
  const int possible = std::max(1, std::min(run.tasks, run.allowed_cpus));
  v.threshold = fmt::format(
      "confirmed when total CPU time ÷ wall time reaches {} of min(K, CPUs) and pieces ran on "
      "two CPUs at once in at least {} of the time; nuanced when only one CPU is allowed "
      "(parallelism cannot be shown) or when the figures fall short; contradicted when two or "
      "more CPUs were allowed and no two pieces ever ran at once",
      format_percent(kParallelEfficiency), format_percent(kMinParallelShare));
  const std::string seen = fmt::format(
      "CPU time ÷ wall time = {} (CPUs busy on average; at most {} here), pieces seen on two "
      "CPUs at once in {} of the run",
      format_number(run.cpu_over_wall), possible, format_percent(run.parallel_share));
  if (run.allowed_cpus < 2) {
    v.verdict = report::Verdict::nuanced;
    v.because =
        "only one CPU is allowed to this process, so nothing can execute at the same "
        "instant and parallelism cannot be shown here: " +
        seen;
  } else if (run.cpu_over_wall >= kParallelEfficiency * possible &&
             run.parallel_share >= kMinParallelShare) {
    v.because = seen + ": several computations executed at the same instant";
  } else if (run.parallel_share > 0) {
    v.verdict = report::Verdict::nuanced;
    v.because = seen + ": some overlap, less than the CPUs allow (other programs share them?)";
  } else {
    v.verdict = report::Verdict::contradicted;
    v.because = seen + ": with several CPUs allowed, no two pieces ever ran at once";
  }
  return v;
}

report::ClaimVerdict judge_c03(const Speedups& s) {
  report::ClaimVerdict v{"C03", report::Verdict::confirmed, "", ""};
  const int possible = std::max(1, std::min(s.tasks, s.allowed_cpus));
  v.threshold = fmt::format(
      "confirmed when the parallel run is at least {} of min(K, CPUs) times faster than the "
      "sequential one; nuanced when faster but less, or when one CPU is allowed (the speed-up "
      "cannot be shown); contradicted when several CPUs gave no speed-up",
      format_percent(kSpeedupEfficiency));
  const std::string seen = fmt::format(
      "the sequential version can only use one CPU; cut into {} pieces, the same job ran {} as "
      "fast as it with the threads free on {} CPU{}, and {} as fast with them pinned to one",
      s.tasks, format_ratio(s.parallel), s.allowed_cpus, s.allowed_cpus == 1 ? "" : "s",
      format_ratio(s.concurrent));
  if (s.allowed_cpus < 2) {
    v.verdict = report::Verdict::nuanced;
    v.because = seen + ". With one CPU the decomposition has nothing to spread over";
  } else if (s.parallel >= kSpeedupEfficiency * possible) {
    v.because = seen + fmt::format(
                           " (at most {}× possible): the concurrent design is what let "
                           "the job use the other CPU{}",
                           possible, possible > 2 ? "s" : "");
  } else if (s.parallel > 1) {
    v.verdict = report::Verdict::nuanced;
    v.because = seen + fmt::format(", below the {}× the CPUs allow", possible);
  } else {
    v.verdict = report::Verdict::contradicted;
    v.because = seen + ": more CPUs did not make it faster";
  }
  return v;
}

report::ClaimVerdict judge_c13(int allowed_cpus, const TraceFacts& concurrent,
                               const TraceFacts& parallel, int tasks) {
  report::ClaimVerdict v{"C13", report::Verdict::confirmed, "", ""};
  v.threshold = fmt::format(
      "confirmed when the pinned threads were all seen on one CPU taking turns (more than K - 1 "
      "handovers) and the free threads were seen on two CPUs at once in at least {} of the "
      "time; nuanced when one CPU is allowed or the overlap is smaller; contradicted when "
      "neither the interleaving nor the overlap was seen",
      format_percent(kC13MinParallelShare));
  const bool interleaved = concurrent.cpus_used == 1 && concurrent.handovers > tasks - 1;
  const bool overlapped =
      parallel.cpus_used >= 2 && parallel.parallel_share >= kC13MinParallelShare;
  const std::string seen = fmt::format(
      "pinned: {} thread{} on {} CPU, {} handovers; free: {} CPU{} used, two at once in {} of "
      "the run",
      tasks, tasks == 1 ? "" : "s", concurrent.cpus_used, concurrent.handovers, parallel.cpus_used,
      parallel.cpus_used == 1 ? "" : "s", format_percent(parallel.parallel_share));
  if (interleaved && overlapped) {
    v.because = seen + ": the same threads ran concurrently, then in parallel";
  } else if (allowed_cpus < 2 && interleaved) {
    v.verdict = report::Verdict::nuanced;
    v.because = seen + ": with one CPU allowed they can only run concurrently here";
  } else if (interleaved || parallel.parallel_share > 0) {
    v.verdict = report::Verdict::nuanced;
    v.because = seen;
  } else {
    v.verdict = report::Verdict::contradicted;
    v.because = seen + ": neither interleaving nor overlap was seen";
  }
  return v;
}

std::optional<std::size_t> find_crossover(const std::vector<double>& sequential_ns,
                                          const std::vector<double>& threaded_ns) {
  const std::size_t n = std::min(sequential_ns.size(), threaded_ns.size());
  std::optional<std::size_t> from;
  for (std::size_t i = n; i-- > 0;) {
    if (threaded_ns[i] < sequential_ns[i]) {
      from = i;
    } else {
      break;
    }
  }
  return from;
}

}  // namespace conc::lessons::concurrency_vs_parallelism
