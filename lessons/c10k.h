#pragma once
// Lesson `c10k` (claims C18, C19, C20): N busy threads share one pinned CPU, for N from 1 to a
// thousand (ten thousand with --full). What the kernel really gives each one (the measured mean
// slice, from schedstat over a window sized so that every thread gets a turn) beside the
// notes' model (10 ms ÷ N) and the kernel's policy; what that many threads cost in switches and
// in useful work; and how late a thread that sleeps 1 ms wakes up among them.
//
// JSON: tables "plan", "slices", "cost", "creation"; chart "slice_and_lateness"; measurements
// "calibration_slice_ns", "wake_late_ns_alone", and per N "slice_ns_n<N>" (one sample per
// thread that had a turn) and "wake_late_ns_n<N>" (one sample per wake-up).
//
// The verdict rules are pure functions of this run's numbers, thresholds beside them.

#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons::c10k {

// C18, the creation side: were the threads created, and what limit would stop more.
struct CreationOutcome {
  int largest_requested = 0;
  int created_at_largest = 0;
  int error = 0;                         // pthread_create's error at the largest N, 0 if none
  std::string tightest_limit;            // "pid_max"
  long long headroom = 0;                // threads the tightest limit still allowed before the run
  double reserved_bytes_per_thread = 0;  // VmSize growth ÷ threads
  double resident_bytes_per_thread = 0;  // VmRSS growth ÷ threads
};
inline constexpr int kC10kConnections = 10'000;  // the "10K" of C10K
inline constexpr int kFarThreads = 100'000;      // beyond this, threads "scale far"
report::ClaimVerdict judge_c18(const CreationOutcome& c);

// C19: the measured mean slice at each N (N >= 2) against 10 ms ÷ N.
struct SlicePoint {
  int threads = 0;
  double measured_ns = 0;
};
// A slice "follows" the model when measured ÷ model lies within [1/k, k].
inline constexpr double kModelTolerance = 1.5;
// The slice "does not shrink" when it changes by less than this factor between the smallest and
// the largest N while the model predicts at least kModelShrinkMin times shorter.
inline constexpr double kFlatFactor = 1.5;
inline constexpr double kModelShrinkMin = 4.0;
report::ClaimVerdict judge_c19(const std::vector<SlicePoint>& points);

// C20: the smallest and the largest N of the run.
struct LoadPoint {
  int threads = 0;
  double work_per_cpu_second = 0;  // units per second of CPU time the workers had
  double work_per_second = 0;      // units per second of wall time
  double switches_per_second = 0;
  double slice_ns = 0;          // 0: no switch at all (a lone thread)
  bool probed = false;          // the probe woke at least twice among them
  double wake_p99_ns = 0;       // the sleeper's p99 lateness once settled
  double first_wake_ns = 0;     // its first wake-up after arriving among them
  double wait_per_turn_ns = 0;  // a busy thread's wait between two turns; 0: none
};
// Switching "eats the CPU" when the useful work per CPU-second drops by at least this share.
inline constexpr double kCpuEatenShare = 0.10;
// Responsiveness "degrades" when the sleeper's p99 lateness, or the lateness of its first
// wake-up after arriving, grows by this factor and by at least kLatencyMinIncreaseNs.
inline constexpr double kLatencyGrowth = 2.0;
inline constexpr double kLatencyMinIncreaseNs = 0.5e6;
report::ClaimVerdict judge_c20(const LoadPoint& smallest, const LoadPoint& largest);

}  // namespace conc::lessons::c10k
