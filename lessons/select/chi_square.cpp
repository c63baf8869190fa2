// Lesson `select`: the chi-square test, written out. The p-value of Pearson's statistic with k
// degrees of freedom is Q(k/2, x/2), the regularized upper incomplete gamma function; it is
// computed the classic way (Numerical Recipes' gser/gcf): the power series of P = 1 - Q where
// x < a + 1, where it converges fast, else the continued fraction of Q by modified Lentz.

#include <cmath>
#include <limits>
#include <numeric>

#include "lessons/select/select.h"

namespace conc::lessons::select {

namespace {

constexpr int kMaxTerms = 1000;
constexpr double kEpsilon = 1e-15;
constexpr double kTiny = std::numeric_limits<double>::min() / kEpsilon;

// P(a, x) = e^-x x^a / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)).
double lower_by_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < kMaxTerms; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) {
      break;
    }
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) = e^-x x^a / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)).
double upper_by_fraction(double a, double x) {
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxTerms; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    d = std::fabs(d) < kTiny ? kTiny : d;
    c = b + an / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) < kEpsilon) {
      break;
    }
  }
  return h * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

}  // namespace

double regularized_upper_gamma(double a, double x) {
  if (x <= 0.0) {
    return 1.0;
  }
  if (x < a + 1.0) {
    return 1.0 - lower_by_series(a, x);
  }
  return upper_by_fraction(a, x);
}

double chi_square_p_value(double x, int dof) {
  return regularized_upper_gamma(dof / 2.0, x / 2.0);
}

double chi_square_critical(double p, int dof) {
  double lo = 0, hi = 1;
  while (chi_square_p_value(hi, dof) > p) {
    hi *= 2;
  }
  for (int i = 0; i < 100; ++i) {  // p falls as x grows: keep p(lo) > p >= p(hi)
    const double mid = (lo + hi) / 2;
    (chi_square_p_value(mid, dof) > p ? lo : hi) = mid;
  }
  return hi;
}

double chi_square_uniform(const std::vector<std::int64_t>& counts) {
  if (counts.empty()) {
    return 0;
  }
  const double total = static_cast<double>(std::accumulate(counts.begin(), counts.end(), 0LL));
  const double expected = total / static_cast<double>(counts.size());
  if (expected <= 0) {
    return 0;
  }
  double x = 0;
  for (const auto c : counts) {
    const double diff = static_cast<double>(c) - expected;
    x += diff * diff / expected;
  }
  return x;
}

}  // namespace conc::lessons::select
