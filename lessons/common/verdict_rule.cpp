#include "lessons/common/verdict_rule.h"

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

Verdict classify_checks(bool decisive_holds, bool all_hold) {
  if (!decisive_holds) {
    return Verdict::contradicted;
  }
  return all_hold ? Verdict::confirmed : Verdict::nuanced;
}

}  // namespace conc::lessons
