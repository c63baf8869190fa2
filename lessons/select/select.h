#pragma once
// Lesson `select` (claim C36: select multiplexes several channels into one flow). Producers
// merged into one consumer, a closed producer's case disabled by setting its channel to nil;
// a timeout case (after(d)); a default case for a non-blocking try; and fairness: with every
// case ready before each select, the choice should be uniform, as Go promises, tested with a
// chi-square goodness-of-fit test whose p-value this file computes itself (chi_square.cpp).
// Verdict rule: verdicts.cpp (pure); experiments: multiplex.cpp and fairness.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::select {

// ---- statistics (chi_square.cpp) ---------------------------------------------------------

// Pearson's statistic of observed counts against equal expected counts: sum (O - E)^2 / E.
double chi_square_uniform(const std::vector<std::int64_t>& counts);
// P(X >= x) for X chi-square distributed with `dof` degrees of freedom: the regularized
// upper incomplete gamma function Q(dof/2, x/2).
double chi_square_p_value(double x, int dof);
// The statistic x at which chi_square_p_value(x, dof) == p (bisection; 0 < p < 1).
double chi_square_critical(double p, int dof);
// Q(a, x) = Gamma(a, x) / Gamma(a), by its series (x < a + 1) or its continued fraction.
double regularized_upper_gamma(double a, double x);

// ---- what the experiments saw ------------------------------------------------------------

// One case of select's behaviour: what Go does, what this run did.
struct SelectCase {
  std::string name;
  std::string go_says;
  std::string observed;
  bool as_go = false;
};

struct FairnessView {
  std::vector<std::int64_t> counts;  // how often each case was chosen
  double chi_square = 0;
  int dof = 0;
  double p_value = 1;
  // Two fresh programs made the same `runs_compared` choices, in the same order: the choice is
  // seeded identically in every program (Go seeds it randomly in each process).
  bool same_in_two_programs = false;
  int runs_compared = 0;
};

// A fair chooser gives p < kSuspectBelow in 1 run of 1,000 by chance alone, and
// p < kBiasedBelow in 1 of 1,000,000: below the first the run is suspicious (nuanced: run it
// again), below the second the choice is biased (contradicted).
inline constexpr double kSuspectBelow = 1e-3;
inline constexpr double kBiasedBelow = 1e-6;

// C36. Contradicted when a multiplexing case failed (the merge lost or reordered values, the
// timeout did not fire, default did not run, a nil case was chosen) or when p < kBiasedBelow;
// nuanced when kBiasedBelow <= p < kSuspectBelow, or when two programs made the very same
// choices (uniform within a program, but not random between programs as Go's); confirmed
// otherwise.
report::ClaimVerdict judge_c36(const std::vector<SelectCase>& cases, const FairnessView& fair);

// ---- experiments (they fill the report through ctx) --------------------------------------

std::vector<SelectCase> multiplex_experiment(LessonContext& ctx, int per_producer);
FairnessView fairness_experiment(LessonContext& ctx, int selects);

}  // namespace conc::lessons::select
