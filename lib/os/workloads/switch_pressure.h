#pragma once
// What switching takes away from a program, measured rather than computed: a busy loop
// pinned on one CPU counts how much work it gets done in a time window, alone or while a
// ping-pong pair of threads pinned on the SAME CPU forces context switches at a set rate.
//
//   CPU n:  busy loop ████████▌ pacer ▌pp▌ busy loop ████████▌ pacer ▌pp▌ busy loop ...
//           (pp = round trips between the pacer and its partner: 2 switches each)
//
// Paced pressure: the pacer sleeps on an absolute-deadline timer (clock_nanosleep), wakes,
// plays k round trips with its partner and sleeps again; each period costs 2k + 2 switches
// (busy loop -> pacer, k round trips, pacer -> busy loop). Continuous pressure: the pair
// never sleeps, so switches happen as fast as the scheduler lets the pair run.
//
// The rate the pacer asks for is not the rate it gets: a waking task preempts the busy loop
// only when the scheduler decides so (at a tick, or at a wake-up with an earlier deadline),
// so every sample reports the switches the three tasks actually counted.

#include <chrono>

namespace conc::os {

struct SwitchPressure {
  enum class Kind { none, paced, continuous };
  Kind kind = Kind::none;
  double target_switches_per_s = 0;  // for Kind::paced
};

// How the pacer meets a target rate: `periods_per_s` wake-ups, each with `round_trips`.
struct PacingPlan {
  double periods_per_s = 0;
  long round_trips = 0;
  double planned_switches_per_s = 0;  // periods_per_s × (2 × round_trips + 2)
};
// The pacer wakes at most this often: shorter timer periods would mostly measure how late
// the timer fires.
inline constexpr double kMaxPacerWakeupsPerSecond = 1000;
PacingPlan plan_pacing(double target_switches_per_s);

struct BusyLoopSample {
  double iterations_per_s = 0;  // the busy loop's work rate over its window
  double loop_cpu_share = 0;    // the busy loop's CPU time / window
  double pair_cpu_share = 0;    // the pair's CPU time / window (0 when alone)
  double switches_per_s = 0;    // switches counted by all tasks of the experiment / window
  double window_ns = 0;         // as the busy loop measured it
};

// One window: start the busy loop (and the pair), let them run `window`, stop, join.
// Throws Interrupted on Ctrl-C (threads are stopped and joined first), std::runtime_error
// when a thread cannot be pinned to `cpu`, std::system_error when one cannot be created.
BusyLoopSample run_busy_loop(int cpu, std::chrono::milliseconds window, SwitchPressure pressure);

}  // namespace conc::os
