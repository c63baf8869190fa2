#include "lessons/common/verdict_rule.h"

#include <fmt/format.h>

namespace conc::lessons {

using report::ClaimVerdict;
using report::Verdict;

ClaimVerdict Rule::decide(Verdict verdict, std::string because) const {
  return ClaimVerdict{std::string(claim), verdict, std::move(because), threshold};
}
ClaimVerdict Rule::confirmed(std::string because) const {
  return decide(Verdict::confirmed, std::move(because));
}
ClaimVerdict Rule::nuanced(std::string because) const {
  return decide(Verdict::nuanced, std::move(because));
}
ClaimVerdict Rule::contradicted(std::string because) const {
  return decide(Verdict::contradicted, std::move(because));
}
ClaimVerdict Rule::not_judged(std::string because) const {
  return decide(Verdict::not_judged, std::move(because));
}

ClaimVerdict Rule::decide(Verdict verdict, std::string figures, const Causes& causes) const {
  switch (verdict) {
    case Verdict::confirmed:
      figures += causes.confirmed;
      break;
    case Verdict::nuanced:
      figures += causes.nuanced;
      break;
    case Verdict::contradicted:
      figures += causes.contradicted;
      break;
    case Verdict::not_judged:
      break;
  }
  return decide(verdict, std::move(figures));
}

ClaimVerdict Rule::but(Verdict verdict, std::string figures, std::string_view why) const {
  figures += ". But ";
  figures += why;
  return decide(verdict, std::move(figures));
}

ClaimVerdict unless_untrusted(ClaimVerdict decided, bool trusted, std::string_view what_failed) {
  if (trusted) {
    return decided;
  }
  decided.verdict = Verdict::not_judged;
  decided.because += fmt::format(
      ". But the figures behind this failed the lesson's own checks ({}), so this run "
      "cannot decide",
      what_failed);
  return decided;
}

Verdict classify_at_least(double figure, double contradict_below, double confirm_from) {
  if (figure >= confirm_from) {
    return Verdict::confirmed;
  }
  return figure < contradict_below ? Verdict::contradicted : Verdict::nuanced;
}

Verdict classify_at_most(double figure, double contradict_above, double confirm_upto) {
  if (figure <= confirm_upto) {
    return Verdict::confirmed;
  }
  return figure > contradict_above ? Verdict::contradicted : Verdict::nuanced;
}

Verdict classify_both(bool first_holds, bool second_holds) {
  if (first_holds && second_holds) {
    return Verdict::confirmed;
  }
  return first_holds || second_holds ? Verdict::nuanced : Verdict::contradicted;
}

bool within_factor(double figure, double expected, double factor) {
  return figure >= expected / factor && figure <= expected * factor;
}

Verdict classify_checks(bool decisive_holds, bool all_hold) {
  if (!decisive_holds) {
    return Verdict::contradicted;
  }
  return all_hold ? Verdict::confirmed : Verdict::nuanced;
}

}  // namespace conc::lessons
