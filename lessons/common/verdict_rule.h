#pragma once
// The verdict skeleton, written once. Every claim's rule has the same shape: a measurement in,
// thresholds named beside the rule, one of four verdicts out, and a `because` built from this
// run's numbers. A rule states only what is its own:
//
//   constexpr double kExpensiveShare = 0.05;   // the threshold, named, beside the rule
//   const Rule rule{"C14", fmt::format("confirmed when ... ≥ {} ...", kExpensiveShare)};
//   if (!figure.trusted) return rule.not_judged("the baseline did not get its CPU (...)");
//   return rule.decide(classify_at_least(share, kNuanced, kConfirmed), figures,
//                      {.confirmed = ": expensive next to ...", .contradicted = ": cheap ..."});
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

  // The verdict the rule gives, its `because` this run's figures followed by the cause that goes
  // with that verdict (an expert's explanation, or why the figures fall short). A verdict without
  // a cause of its own (not judged) gets the figures alone.
  struct Causes {
    std::string_view confirmed{}, nuanced{}, contradicted{};
  };
  report::ClaimVerdict decide(report::Verdict verdict, std::string figures,
                              const Causes& causes) const;
  // The figures stated, then why they cannot carry the verdict the numbers alone would give:
  // "<figures>. But <why>" (a baseline that did not get its CPU, no second CPU to show
  // parallelism on).
  report::ClaimVerdict but(report::Verdict verdict, std::string figures,
                           std::string_view why) const;
};

// The "untrusted figure → not judged" path. A verdict decided on figures that failed the
// lesson's own checks (and are marked untrusted where they are printed) cannot stand: unless
// `trusted`, it becomes "could not judge", its `because` kept and followed by what failed.
report::ClaimVerdict unless_untrusted(report::ClaimVerdict decided, bool trusted,
                                      std::string_view what_failed);

// The three-way rule on one figure where more means "more as the notes say":
// figure ≥ confirm_from → confirmed; figure < contradict_below → contradicted; else nuanced.
report::Verdict classify_at_least(double figure, double contradict_below, double confirm_from);
// The mirror image, where less means "more as the notes say":
// figure ≤ confirm_upto → confirmed; figure > contradict_above → contradicted; else nuanced.
report::Verdict classify_at_most(double figure, double contradict_above, double confirm_upto);
// A two-figure rule, each half judged on its own: both hold → confirmed; one → nuanced; neither
// → contradicted.
report::Verdict classify_both(bool first_holds, bool second_holds);
// Whether `figure` lies within `factor` times `expected` either way (a measured depth ratio
// against the size ratio, a turn against the model's): expected ÷ factor ≤ figure ≤ expected ×
// factor.
bool within_factor(double figure, double expected, double factor);
// Booleans: every condition holds → confirmed; the decisive one fails → contradicted; else nuanced.
report::Verdict classify_checks(bool decisive_holds, bool all_hold);

}  // namespace conc::lessons
