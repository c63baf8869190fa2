// Lesson `channels`: the verdict rule for C32 (numbers in, verdict out). Pure.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lessons/channels/channels.h"
#include "lessons/common/verdict_rule.h"

namespace conc::lessons::channels {

std::uint64_t sum_of_squares(std::uint64_t n) {
  // n(n+1)(2n+1) is divisible by 6; divide early so that n up to a few million fits.
  std::uint64_t a = n, b = n + 1, c = 2 * n + 1;
  (a % 2 == 0 ? a : b) /= 2;
  if (a % 3 == 0) {
    a /= 3;
  } else if (b % 3 == 0) {
    b /= 3;
  } else {
    c /= 3;
  }
  return a * b * c;
}

report::ClaimVerdict judge_c32(const std::vector<PipelineRun>& pipeline,
                               const std::vector<RuleCase>& rules) {
  const Rule rule{
      "C32",
      fmt::format("contradicted unless {:.0f}% of the pipeline runs (every capacity) end with "
                  "the exact sum; confirmed when they do and every close-rule and misuse case "
                  "behaved as Go's; nuanced when the sums were exact but a rule differed",
                  kExactShareRequired * 100)};
  int runs = 0, exact = 0;
  for (const auto& p : pipeline) {
    runs += p.runs;
    exact += p.exact_runs;
  }
  std::vector<std::string> differing;
  for (const auto& c : rules) {
    if (!c.as_go) {
      differing.push_back(c.name);
    }
  }
  if (runs == 0) {
    return rule.not_judged("no pipeline run was measured");
  }
  const double share = static_cast<double>(exact) / runs;
  const std::string sums = fmt::format(
      "{} of {} pipeline runs over {} capacities ended with the exact sum, though the stages "
      "share no variable: each value crossed the channels and nothing else",
      exact, runs, pipeline.size());
  if (share < kExactShareRequired) {
    return rule.contradicted(
        fmt::format("{} of {} pipeline runs gave a wrong sum: the channels lost or doubled values",
                    runs - exact, runs));
  }
  if (!differing.empty()) {
    return rule.nuanced(fmt::format("{}; but {} of {} channel rules differed from Go's: {}", sums,
                                    differing.size(), rules.size(), fmt::join(differing, ", ")));
  }
  return rule.confirmed(
      fmt::format("{}; all {} close-rule and misuse cases behaved as in Go", sums, rules.size()));
}

}  // namespace conc::lessons::channels
