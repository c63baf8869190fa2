#pragma once
// Lesson `c10k` (claims C18, C19, C20): N busy threads share one pinned CPU, for N from 1 to a
// thousand (ten thousand with --full). What the kernel really gives each one (the mean turn on
// the CPU, from schedstat over a window sized so that every thread gets a turn) beside the
// notes' model (10 ms ÷ N) and the kernel's policy; what that many threads cost in switches and
// in useful work; and how late a thread that sleeps 1 ms wakes up among them.
//
// JSON: tables "plan", "slices", "cost", "creation"; chart "slice_and_lateness"; measurements
// "calibration_slice_ns", "wake_late_ns_alone", and per N "slice_ns_n<N>" for N >= 2 (each
// thread's mean turn, one sample per thread that had a turn) and "wake_late_ns_n<N>" (one sample
// per wake-up).
//
// The verdict rules are pure functions of this run's numbers, thresholds beside them. C18 is
// judged by the rule lesson `stack` shares (lessons/thread_limits.h).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons::c10k {

// Below this share of the CPU, other programs ran on it during a window: the figures of that N
// are those of a shared CPU, and C20 does not take them at face value.
inline constexpr double kMinCpuShare = 0.90;

// Thread counts against the tightest limit on tasks: of the `headroom` it leaves, kLimitMargin
// (or half, when the room is smaller) stays with the rest of the machine, and counts that need
// more are left out. When no count fits, one is measured in their place: the room there is
// (at least 1: its failure then shows the limit). `left_out` holds only counts not measured.
inline constexpr long long kLimitMargin = 2'000;
struct CountsInRoom {
  std::vector<int> kept, left_out;
  long long margin = 0;
  int stand_in = 0;  // > 0: no count fitted, and this one is measured in their place
};
CountsInRoom fit_counts(const std::vector<int>& counts, long long headroom);

// Threads the /proc reads left unread (they ran out of time while the reader waited for its
// CPU) were cut by the clock in thread order, not chosen by how they ran: the threads read are a
// sample of the N, and C19 uses their mean turn when at least this share of the N was read and
// every thread read had a turn.
inline constexpr double kMinReadShare = 0.2;

// C19: the mean turn on the CPU (Σ run ÷ Σ turns over all threads) at each N >= 2, against
// 10 ms ÷ N.
struct SlicePoint {
  int threads = 0;
  double measured_ns = 0;
  int ran = -1;  // threads that had a turn in the window; -1: all of them (not counted)
};
// What the kernel's scheduler is, from `info`'s facts: why turns last what they last.
struct SchedFacts {
  std::string scheduler;           // "EEVDF", "CFS" or "" (unknown)
  std::optional<int> hz;           // CONFIG_HZ: a busy task is preempted only at a tick
  std::optional<double> slice_ns;  // EEVDF's se.slice
};
// A slice "follows" the model when measured ÷ model lies within [1/k, k].
inline constexpr double kModelTolerance = 1.5;
// The slice "does not shrink" when it changes by less than this factor between the smallest and
// the largest N while the model predicts at least kModelShrinkMin times shorter.
inline constexpr double kFlatFactor = 1.5;
inline constexpr double kModelShrinkMin = 4.0;
// Points where some threads never had a turn are left out of the rule (their mean is over a
// subset) and named in `because`; could not judge when no point is left.
report::ClaimVerdict judge_c19(const std::vector<SlicePoint>& points, const SchedFacts& sched);

// C20: one N against a larger one.
struct LoadPoint {
  int threads = 0;
  double cpu_share = 1;            // of the pinned CPU the workers had in their window
  double work_per_cpu_second = 0;  // units per second of CPU time the workers had
  double switches_per_second = 0;
  double slice_ns = 0;          // mean turn; 0: no switch at all (a lone thread)
  std::string probe_missing;    // why the probe gave no figure; "" when it did
  double wake_p99_ns = 0;       // the sleeper's p99 lateness once settled
  double first_wake_ns = 0;     // its first wake-up after arriving among them
  double wait_per_turn_ns = 0;  // a busy thread's wait between two turns; 0: none
};
// The N that C20 compares the largest with: the smallest N (shares in ascending N) whose workers
// had at least kMinCpuShare of the CPU, the largest excluded; nullopt when none had.
std::optional<std::size_t> c20_baseline(const std::vector<double>& cpu_shares);
// Switching "eats the CPU" when the useful work per CPU-second drops by at least this share.
inline constexpr double kCpuEatenShare = 0.10;
// Responsiveness "degrades" when the sleeper's p99 lateness, or the lateness of its first
// wake-up after arriving, grows by this factor and by at least kLatencyMinIncreaseNs.
inline constexpr double kLatencyGrowth = 2.0;
inline constexpr double kLatencyMinIncreaseNs = 0.5e6;
// C20 (a) on an I/O-bound load (os::run_io_bound): N threads that each do a few microseconds of
// work per request and block between requests, as a thread-per-connection server's do. The
// row with the most threads is judged: switching "eats the CPU" when at least
// kC20SwitchingShare of the CPU time went to waking, switching and the system calls rather than
// to the requests' own work. Busy threads' rows stay as context (their turns last a tick, so
// switching there takes almost nothing).
inline constexpr double kC20SwitchingShare = 0.5;
struct IoBoundPoint {
  int threads = 0;
  double requests_per_s = 0;
  double switches_per_s = 0;
  double kernel_share = 0;     // of the load's CPU time
  double switching_share = 0;  // 1 − useful work ÷ CPU time
  double work_ns = 0;          // one request's work alone
};
report::ClaimVerdict judge_c20(const LoadPoint& baseline, const LoadPoint& largest,
                               const std::optional<IoBoundPoint>& io_bound = std::nullopt);

}  // namespace conc::lessons::c10k
