#include "os/workloads/slice_model.h"

#include <algorithm>
#include <cmath>

namespace conc::os {

namespace {
constexpr double kCfsLatencyNs = 6e6;            // sysctl_sched_latency, before scaling
constexpr double kCfsMinGranularityNs = 0.75e6;  // sysctl_sched_min_granularity
constexpr int kCfsNrLatency = 8;                 // latency ÷ min_granularity
constexpr double kEevdfSliceBefore615Ns = 0.75e6;
constexpr double kEevdfSliceFrom615Ns = 0.70e6;
constexpr int kScalingCpuCap = 8;
}  // namespace

double notes_model_slice_ns(int runnable, double period_ns) {
  return runnable > 0 ? period_ns / runnable : period_ns;
}

int tunable_scaling_factor(int online_cpus) {
  int cpus = std::clamp(online_cpus, 1, kScalingCpuCap);
  int log2 = 0;
  while (cpus > 1) {
    cpus >>= 1;
    ++log2;
  }
  return 1 + log2;
}

CfsSlice cfs_slice(int runnable, int online_cpus) {
  const int factor = tunable_scaling_factor(online_cpus);
  CfsSlice s;
  s.latency_ns = kCfsLatencyNs * factor;
  s.min_granularity_ns = kCfsMinGranularityNs * factor;
  const int n = std::max(runnable, 1);
  s.period_ns = n > kCfsNrLatency ? n * s.min_granularity_ns : s.latency_ns;
  s.slice_ns = s.period_ns / n;
  return s;
}

double eevdf_base_slice_ns(int online_cpus, int kernel_major, int kernel_minor) {
  const bool from_615 = kernel_major > 6 || (kernel_major == 6 && kernel_minor >= 15);
  return (from_615 ? kEevdfSliceFrom615Ns : kEevdfSliceBefore615Ns) *
         tunable_scaling_factor(online_cpus);
}

double tick_rounded_run_ns(double slice_ns, int hz) {
  if (hz <= 0 || slice_ns <= 0) {
    return slice_ns;
  }
  const double tick_ns = 1e9 / hz;
  return std::ceil(slice_ns / tick_ns - 1e-9) * tick_ns;
}

double round_ns(int runnable, double run_ns) {
  return std::max(runnable, 1) * run_ns;
}

}  // namespace conc::os
