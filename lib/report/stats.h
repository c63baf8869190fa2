#pragma once
// Summary statistics for repeated measurements: the median and the spread around it.
// Lessons never report a single sample: they repeat and report median, p10/p90 and min/max.

#include <cstddef>
#include <vector>

namespace conc::report {

struct Stats {
  double median = 0;
  double p10 = 0;
  double p90 = 0;
  double min = 0;
  double max = 0;
  std::size_t n = 0;
};

// Percentiles by linear interpolation between closest ranks (numpy's default), so a median of
// an even count is the mean of the two middle samples. An empty input gives n == 0 and zeros.
Stats summarize(std::vector<double> samples);

// The median alone (see summarize for the interpolation); 0 for no samples.
double median(std::vector<double> samples);

// The p-th percentile (0..100) of already sorted samples; precondition: !sorted.empty().
double percentile_of_sorted(const std::vector<double>& sorted, double p);

// Relative spread (p90 - p10) / median; 0 when the median is 0.
double relative_spread(const Stats& s);

}  // namespace conc::report
