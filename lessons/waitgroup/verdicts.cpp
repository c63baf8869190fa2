// Lesson `waitgroup`: the verdict rules for C38 and C39, and the histogram. Pure: no clock, no
// children.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "lessons/common/verdict_rule.h"
#include "lessons/waitgroup/waitgroup.h"

namespace conc::lessons::waitgroup {

using report::ClaimVerdict;
using report::Verdict;

int short_runs(const RunsView& v) {
  return static_cast<int>(
      std::count_if(v.lines.begin(), v.lines.end(), [&](int l) { return l < v.goroutines; }));
}

int distinct_counts(const RunsView& v) {
  return static_cast<int>(std::set<int>(v.lines.begin(), v.lines.end()).size());
}

std::vector<int> histogram(const RunsView& v) {
  std::vector<int> h(static_cast<std::size_t>(std::max(0, v.goroutines)) + 1, 0);
  for (const int l : v.lines) {
    if (l >= 0 && l <= v.goroutines) {
      ++h[static_cast<std::size_t>(l)];
    }
  }
  return h;
}

ClaimVerdict judge_c38(const RunsView& forget) {
  const Rule rule{
      "C38",
      fmt::format("over at least {} runs of a child whose main returns without waiting: "
                  "contradicted when every run delivered all K lines; confirmed when some runs "
                  "lost lines and the number delivered varied; nuanced when lines were lost but "
                  "the same number every run",
                  kMinRuns)};
  const auto runs = static_cast<int>(forget.lines.size());
  if (runs < kMinRuns) {
    return rule.not_judged(
        fmt::format("only {} of the children ended normally ({} failed)", runs, forget.failed));
  }
  const int lost = short_runs(forget);
  const int distinct = distinct_counts(forget);
  const auto [lo, hi] = std::minmax_element(forget.lines.begin(), forget.lines.end());
  const std::string facts =
      fmt::format("{} of {} runs delivered fewer than the {} lines (from {} to {} arrived)", lost,
                  runs, forget.goroutines, *lo, *hi);
  const auto verdict = classify_checks(lost > 0, lost > 0 && distinct > 1);
  if (verdict == Verdict::confirmed) {
    return rule.confirmed(facts +
                          ": the process ends when main returns, and each goroutine still "
                          "working at that moment dies with it; how many got through depends "
                          "on how the scheduler and the CPUs happened to run them");
  }
  if (verdict == Verdict::nuanced) {
    return rule.nuanced(facts +
                        ": lines were lost, but the same number every run, which looks "
                        "deterministic; it only reflects this machine's timing");
  }
  return rule.contradicted(facts +
                           ": here the goroutines always finished before main's own work did");
}

ClaimVerdict judge_c39(const RunsView& with_wait, const JoinView& join) {
  const Rule rule{"C39", fmt::format("over at least {} runs of the same child with a WaitGroup: "
                                     "contradicted when a run lost a line or wait() returned "
                                     "before a done(); confirmed when every run delivered all "
                                     "K lines and wait() returned after the last done()",
                                     kMinRuns)};
  const auto runs = static_cast<int>(with_wait.lines.size());
  if (runs < kMinRuns) {
    return rule.not_judged(
        fmt::format("only {} of the children ended normally ({} failed)", runs, with_wait.failed));
  }
  const int lost = short_runs(with_wait);
  const bool joined = join.wait_returned_after_last_done;
  const std::string facts = fmt::format(
      "{} of {} runs delivered all {} lines; in the drawn run wait() returned with {} of {} "
      "goroutines done",
      runs - lost, runs, with_wait.goroutines, join.finished_before_wait_returned, join.goroutines);
  if (lost > 0 || !joined) {
    return rule.contradicted(facts);
  }
  return rule.confirmed(facts +
                        ": add() before go counts each goroutine, done() counts it off, and "
                        "wait() cannot return while the counter is above zero: a join point "
                        "that does not depend on timing");
}

}  // namespace conc::lessons::waitgroup
