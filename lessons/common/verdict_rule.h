#pragma once
// The verdict skeleton, written once. Every claim's rule has the same shape: a measurement in,
// thresholds named beside the rule, one of four verdicts out, and a `because` built from this
// run's numbers. A rule states only what is its own:
//
//   constexpr double kExpensiveShare = 0.05;   // the threshold, named, beside the rule
//   const Rule rule{"C14", fmt::format("confirmed when ... ≥ {} ...", kExpensiveShare)};
//   if (!figure.trusted) return rule.not_judged("the baseline did not get its CPU (...)");
//   return rule.decide(classify_at_least(share, kNuanced, kConfirmed), because_text);
//
// `threshold` is the rule in words (shown under --explain-rules and in JSON); `because` names
// the cause an expert would name, with the numbers.

#include <string>
#include <string_view>

#include "report/report.h"

namespace conc::lessons {

struct Rule {
  std::string_view claim;  // "C14"
  std::string threshold;   // the rule in words, with its thresholds printed from the constants

  report::ClaimVerdict decide(report::Verdict verdict, std::string because) const;
  report::ClaimVerdict confirmed(std::string because) const;
  report::ClaimVerdict nuanced(std::string because) const;
  report::ClaimVerdict contradicted(std::string because) const;
  // This run could not decide (disturbed figure, nothing measured): say why.
  report::ClaimVerdict not_judged(std::string because) const;
};

// The three-way rule on one figure where more means "more as the notes say":
// figure ≥ confirm_from → confirmed; figure < contradict_below → contradicted; else nuanced.
report::Verdict classify_at_least(double figure, double contradict_below, double confirm_from);
// The mirror image, where less means "more as the notes say":
// figure ≤ confirm_upto → confirmed; figure > contradict_above → contradicted; else nuanced.
report::Verdict classify_at_most(double figure, double contradict_above, double confirm_upto);
// Booleans: every condition holds → confirmed; the decisive one fails → contradicted; else nuanced.
report::Verdict classify_checks(bool decisive_holds, bool all_hold);

}  // namespace conc::lessons
