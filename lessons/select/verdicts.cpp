// Lesson `select`: the verdict rule for C36 (numbers in, verdict out). Pure.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lessons/common/verdict_rule.h"
#include "lessons/select/select.h"

namespace conc::lessons::select {

report::ClaimVerdict judge_c36(const std::vector<SelectCase>& cases, const FairnessView& fair) {
  const Rule rule{
      "C36", fmt::format("contradicted when a multiplexing case failed (merge, timeout, default, "
                         "nil case) or the fairness test gives p < {}; nuanced when {} <= p < {} "
                         "(a fair select lands there in 1 run of 1,000: run it again), or when two "
                         "fresh programs made the very same choices; confirmed otherwise",
                         kBiasedBelow, kBiasedBelow, kSuspectBelow)};
  std::vector<std::string> failed;
  for (const auto& c : cases) {
    if (!c.as_go) {
      failed.push_back(c.name);
    }
  }
  if (cases.empty() || fair.counts.empty()) {
    return rule.not_judged("select was not run");
  }
  const std::string test = fmt::format("chi-square = {:.2f} with {} degrees of freedom, p = {:.4g}",
                                       fair.chi_square, fair.dof, fair.p_value);
  if (!failed.empty()) {
    return rule.contradicted(fmt::format("{} of {} select cases did not behave as Go's: {}",
                                         failed.size(), cases.size(), fmt::join(failed, ", ")));
  }
  if (fair.p_value < kBiasedBelow) {
    return rule.contradicted(fmt::format(
        "select merged, timed out and fell through to default as Go's, but its choice among "
        "ready cases is biased: {}, which a uniform choice gives once in a million runs",
        test));
  }
  const std::string works = fmt::format(
      "one select merged the producers with nothing lost, timed out, took default and skipped "
      "nil channels ({} cases as Go's)",
      cases.size());
  if (fair.p_value < kSuspectBelow) {
    return rule.nuanced(fmt::format(
        "{}; the choice among ready cases looks uneven ({}): a fair select lands this low in "
        "1 run of 1,000, so run the lesson again before believing it",
        works, test));
  }
  if (fair.same_in_two_programs) {
    return rule.nuanced(fmt::format(
        "{}; the choice among ready cases is uniform within a program ({}), but two fresh "
        "programs made the same {} choices in the same order: the runtime seeds its generator "
        "identically in every program, where Go seeds it randomly in each process",
        works, test, fair.runs_compared));
  }
  return rule.confirmed(fmt::format(
      "{}; the choice among always-ready cases is consistent with uniform ({})", works, test));
}

}  // namespace conc::lessons::select
