#include "report/stats.h"

#include <algorithm>
#include <cmath>

namespace conc::report {

double percentile_of_sorted(const std::vector<double>& sorted, double p) {
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = static_cast<std::size_t>(std::ceil(rank));
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

Stats summarize(std::vector<double> samples) {
  Stats s;
  if (samples.empty()) {
    return s;
  }
  std::sort(samples.begin(), samples.end());
  s.n = samples.size();
  s.min = samples.front();
  s.max = samples.back();
  s.median = percentile_of_sorted(samples, 50);
  s.p10 = percentile_of_sorted(samples, 10);
  s.p90 = percentile_of_sorted(samples, 90);
  return s;
}

double median(std::vector<double> samples) {
  return summarize(std::move(samples)).median;
}

double relative_spread(const Stats& s) {
  return s.median == 0 ? 0 : (s.p90 - s.p10) / s.median;
}

}  // namespace conc::report
