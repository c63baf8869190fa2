// Lesson `data-race`: the verdict rules for C23 and C24. Pure: numbers in, verdict out.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "lessons/common/verdict_rule.h"
#include "lessons/data_race/data_race.h"
#include "report/units.h"

namespace conc::lessons::data_race {

using report::ClaimVerdict;

namespace {

int lossy(const std::vector<CounterRun>& runs) {
  return static_cast<int>(
      std::count_if(runs.begin(), runs.end(), [](const auto& r) { return r.lost() > 0; }));
}

std::int64_t most_lost(const std::vector<CounterRun>& runs) {
  std::int64_t worst = 0;
  for (const auto& r : runs) {
    worst = std::max(worst, r.lost());
  }
  return worst;
}

}  // namespace

ClaimVerdict judge_c23(const RaceView& v) {
  const Rule rule{"C23", fmt::format("confirmed when racy runs lost updates and the runs gave at "
                                     "least {} different results; contradicted when no run on "
                                     "2 or more CPUs lost anything; nuanced otherwise (one CPU "
                                     "and only lucky runs, or the same loss every run)",
                                     kMinDistinctResults)};
  std::set<std::int64_t> results;
  for (const auto* runs : {&v.free_runs, &v.pinned_runs}) {
    for (const auto& r : *runs) {
      results.insert(r.got);
    }
  }
  if (v.free_runs.empty() || v.free_runs.front().expected <= 0) {
    return rule.not_judged("no racy run was made");
  }
  const int free_lossy = lossy(v.free_runs), pinned_lossy = lossy(v.pinned_runs);
  const std::string facts = fmt::format(
      "{} of {} runs on {} CPUs lost updates (at most {}), {} of {} on one CPU (at most {}); "
      "{} different final values",
      free_lossy, v.free_runs.size(), v.cpus, report::format_count(most_lost(v.free_runs)),
      pinned_lossy, v.pinned_runs.size(), report::format_count(most_lost(v.pinned_runs)),
      results.size());
  if (free_lossy + pinned_lossy == 0) {
    if (v.cpus >= 2) {
      return rule.contradicted(facts + ": the load-then-store never interleaved badly here");
    }
    return rule.nuanced(facts +
                        ": lucky runs; on one CPU a loss needs a preemption between a "
                        "thread's load and its store");
  }
  if (static_cast<int>(results.size()) >= kMinDistinctResults) {
    return rule.confirmed(facts +
                          ": whether and how much is lost depends on how the threads' "
                          "loads and stores happen to interleave, which changes every run");
  }
  return rule.nuanced(facts + ": updates were lost, but the same number every run");
}

ClaimVerdict judge_c24(const std::vector<FixView>& fixes, const RaceView& race) {
  const Rule rule{"C24",
                  "confirmed when every fix (mutex, atomic, per-thread counters) was exact in "
                  "every run while the racy counter lost updates; contradicted when a fix lost "
                  "an update; nuanced when the fixes were exact but the racy runs lost nothing"};
  std::size_t runs = 0;
  std::string inexact;
  for (const auto& f : fixes) {
    runs += f.runs.size();
    if (lossy(f.runs) > 0) {
      inexact += (inexact.empty() ? "" : ", ") + f.name;
    }
  }
  if (runs == 0) {
    return rule.not_judged("no fix was run");
  }
  if (!inexact.empty()) {
    return rule.contradicted(fmt::format("lost updates with: {}", inexact));
  }
  const int racy_lossy = lossy(race.free_runs) + lossy(race.pinned_runs);
  const std::string facts =
      fmt::format("the {} fixes were exact in all {} runs", fixes.size(), runs);
  if (racy_lossy == 0) {
    return rule.nuanced(facts +
                        ", but the racy counter happened to lose nothing either, so "
                        "this run shows no difference");
  }
  return rule.decide(
      classify_checks(true, true),
      fmt::format("{}, while {} racy runs lost updates: making the read-modify-write "
                  "indivisible (a lock, an atomic instruction) or not sharing the counter at "
                  "all removes the race",
                  facts, racy_lossy));
}

}  // namespace conc::lessons::data_race
