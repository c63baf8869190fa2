// Verdicts of lesson `concurrency-vs-parallelism`: pure functions of the run's numbers.

#include <fmt/format.h>

#include <algorithm>

#include "lessons/common/verdict_rule.h"
#include "lessons/concurrency_vs_parallelism/concurrency_vs_parallelism.h"
#include "report/units.h"

namespace conc::lessons::concurrency_vs_parallelism {

using report::ClaimVerdict;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::format_ratio;
using report::Verdict;

int Room::possible() const {
  return std::max(1, std::min(tasks, allowed_cpus));
}

namespace {

// Why this run cannot show parallelism, or "".
std::string no_room(const Room& r) {
  if (r.possible() >= 2) {
    return "";
  }
  return r.allowed_cpus < 2
             ? "only one CPU is allowed to this process, so nothing can execute at the same "
               "instant and parallelism cannot be shown here"
             : "the job was cut into a single piece, so there is nothing to run at the same "
               "time and parallelism cannot be shown";
}

bool others_busy(const Room& r) {
  return r.others && r.others->share > kOtherBusyShare;
}

std::string others_text(const Room& r) {
  return fmt::format(
      "other programs kept CPU {} {} busy while the threads ran free, so it was "
      "not there for them",
      r.others->cpu, format_percent(r.others->share));
}

std::string others_threshold() {
  return fmt::format(
      "nuanced when min(K, CPUs) < 2 (parallelism cannot be shown) or when other programs took "
      "more than {} of an allowed CPU while the threads ran free (/proc/stat)",
      format_percent(kOtherBusyShare));
}

}  // namespace

ClaimVerdict judge_c01(bool same_result, const TraceFacts& concurrent, int tasks) {
  const Rule rule{"C01",
                  "confirmed when every run gives the same result and, on one CPU, the CPU passed "
                  "from one piece to another more often than running them back to back would "
                  "(more than K - 1 handovers); nuanced when the results agree but the pieces ran "
                  "back to back; contradicted when the results differ"};
  if (!same_result) {
    return rule.contradicted(
        "the sequential, concurrent and parallel runs computed different results");
  }
  if (concurrent.handovers > tasks - 1) {
    return rule.confirmed(fmt::format(
        "the same {} pieces gave the same result run one after another, interleaved on one CPU "
        "({} handovers between pieces where back to back needs {}) and in parallel: one "
        "composition of independent computations, whether or not they overlap",
        tasks, concurrent.handovers, tasks - 1));
  }
  return rule.nuanced(
      fmt::format("the results agree, but on one CPU the {} piece{} ran back to back ({} "
                  "handovers): nothing was interleaved",
                  tasks, tasks == 1 ? "" : "s", concurrent.handovers));
}

ClaimVerdict judge_c02(const ParallelRun& run) {
  const Rule rule{
      "C02",
      fmt::format("a definition shown: confirmed when pieces ran on two CPUs at once in at least "
                  "{} of the time the other CPU was free (1 − other programs' share of it, "
                  "/proc/stat) and at least {} of the run; could not judge when min(K, CPUs) < 2, "
                  "when other programs left under {} of the other CPU, or when the overlap fell "
                  "short",
                  format_percent(kMinOverlapOfFree), format_percent(kMinSustainedOverlap),
                  format_percent(kMinFreeCapacity))};
  const double free_share = run.room.others ? 1 - run.room.others->share : 1.0;
  const double of_free = free_share > 0 ? run.parallel_share / free_share : 0;
  const std::string others =
      run.room.others ? fmt::format(" (other programs took {} of CPU {})",
                                    format_percent(run.room.others->share), run.room.others->cpu)
                      : std::string();
  const std::string seen = fmt::format(
      "pieces were seen on two CPUs at once in {} of the run; the other CPU was free {} of the "
      "time{}, so that is {} of what was free. CPUs busy on average: {}",
      format_percent(run.parallel_share), format_percent(free_share), others,
      format_percent(of_free), format_number(run.cpu_over_wall));
  if (const auto why = no_room(run.room); !why.empty()) {
    return rule.not_judged(why + ": " + seen);
  }
  if (free_share < kMinFreeCapacity) {
    return rule.not_judged(seen + ": " + others_text(run.room));
  }
  if (of_free >= kMinOverlapOfFree && run.parallel_share >= kMinSustainedOverlap) {
    return rule.confirmed(seen +
                          ": several computations executed at the same instant, for as long as "
                          "a CPU was there for them");
  }
  return rule.not_judged(seen +
                         ": too little overlap to show parallelism; other programs came and went "
                         "faster than the sampling of /proc/stat sees, or the threads waited");
}

ClaimVerdict judge_c03(const Speedups& s) {
  const Rule rule{
      "C03",
      fmt::format("confirmed when the parallel run is at least {} of min(K, CPUs) times faster "
                  "than the sequential one; {}; nuanced too when faster but less; contradicted "
                  "when several CPUs were there and gave no speed-up; could not judge when the "
                  "one-thread baseline got under {} of its CPU",
                  format_percent(kSpeedupEfficiency), others_threshold(),
                  format_percent(kMinBaselineCpuShare))};
  const int possible = s.room.possible();
  std::string seen = fmt::format(
      "the sequential version can only use one CPU; cut into {} piece{}, the same job ran {} as "
      "fast as it with the threads free on {} CPU{}, and {} as fast with them pinned to one",
      s.room.tasks, s.room.tasks == 1 ? "" : "s", format_ratio(s.parallel), s.room.allowed_cpus,
      s.room.allowed_cpus == 1 ? "" : "s", format_ratio(s.concurrent));
  if (const auto why = no_room(s.room); !why.empty()) {
    return rule.but(Verdict::nuanced, std::move(seen), why);
  }
  if (s.baseline_cpu_share < kMinBaselineCpuShare) {
    return rule.but(Verdict::not_judged, std::move(seen),
                    fmt::format("the one-thread baseline got only {} of its CPU (something else "
                                "ran there), so every speed-up against it is too high and this "
                                "run cannot judge",
                                format_percent(s.baseline_cpu_share)));
  }
  if (others_busy(s.room)) {
    return rule.but(Verdict::nuanced, std::move(seen), others_text(s.room));
  }
  if (s.parallel >= kSpeedupEfficiency * possible) {
    return rule.confirmed(seen + fmt::format(" (at most {}× possible): the concurrent design is "
                                             "what let the job use the other CPU{}",
                                             possible, possible > 2 ? "s" : ""));
  }
  if (s.parallel > 1) {
    return rule.nuanced(seen + fmt::format(", below the {}× the CPUs allow", possible));
  }
  return rule.contradicted(seen + ": more CPUs did not make it faster");
}

ClaimVerdict judge_c13(const Room& room, const TraceFacts& concurrent, const TraceFacts& parallel) {
  const Rule rule{
      "C13",
      fmt::format("confirmed when the pinned threads were all seen on one CPU taking turns (more "
                  "than K - 1 handovers) and the free threads were seen on two CPUs at once in at "
                  "least {} of the time; {}; nuanced too when the overlap is smaller; "
                  "contradicted when neither the interleaving nor the overlap was seen",
                  format_percent(kC13MinParallelShare), others_threshold())};
  const int tasks = room.tasks;
  const bool interleaved = concurrent.cpus_used == 1 && concurrent.handovers > tasks - 1;
  const bool overlapped =
      parallel.cpus_used >= 2 && parallel.parallel_share >= kC13MinParallelShare;
  std::string seen = fmt::format(
      "pinned: {} thread{} on {} CPU, {} handovers; free: {} CPU{} used, two at once in {} of "
      "the run",
      tasks, tasks == 1 ? "" : "s", concurrent.cpus_used, concurrent.handovers, parallel.cpus_used,
      parallel.cpus_used == 1 ? "" : "s", format_percent(parallel.parallel_share));
  if (const auto why = no_room(room); !why.empty()) {
    return rule.nuanced(seen + ": " + why);
  }
  if (others_busy(room)) {
    return rule.nuanced(seen + ": " + others_text(room));
  }
  if (interleaved && overlapped) {
    return rule.confirmed(seen + ": the same threads ran concurrently, then in parallel");
  }
  if (interleaved || parallel.parallel_share > 0) {
    return rule.nuanced(std::move(seen));
  }
  return rule.contradicted(seen + ": neither interleaving nor overlap was seen");
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

std::string crossover_note(const CrossoverView& v) {
  const std::string how = fmt::format(
      " Medians of {} runs each, sequential and threaded in turn; wall time includes thread "
      "creation and join.",
      v.repeats);
  if (v.sizes_ns.empty()) {
    return "No job size was tried.";
  }
  const std::string largest = format_ns(v.sizes_ns.back());
  std::string outcome;
  if (!v.from) {
    outcome =
        fmt::format("The threaded version never beat the sequential one up to {} of work", largest);
  } else if (*v.from == 0) {
    outcome = fmt::format("The threaded version won at every size tried, from {} of work",
                          format_ns(v.sizes_ns.front()));
  } else {
    outcome = fmt::format(
        "Crossover here: between {} and {} of work, the threaded version starts to win and "
        "keeps winning; below it, creating and joining {} threads costs more than the work "
        "they share",
        format_ns(v.sizes_ns[*v.from - 1]), format_ns(v.sizes_ns[*v.from]), v.room.tasks);
  }
  if (const auto why = no_room(v.room); !why.empty()) {
    return outcome + ": " + why + ", so starting threads can only add cost." + how;
  }
  if (others_busy(v.room)) {
    return outcome +
           fmt::format(
               ". But other programs kept CPU {} {} busy while the threads ran, so "
               "they had about one CPU between them: this run cannot say where the "
               "crossover lies on a quiet machine.",
               v.room.others->cpu, format_percent(v.room.others->share)) +
           how;
  }
  if (!v.from) {
    return outcome +
           fmt::format(", though {} CPUs were there and other programs took at most {} of one.",
                       v.room.allowed_cpus,
                       format_percent(v.room.others ? v.room.others->share : 0.0)) +
           how;
  }
  return outcome + "." + how;
}

}  // namespace conc::lessons::concurrency_vs_parallelism
