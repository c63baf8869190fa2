#pragma once
// How long a busy thread runs before the kernel switches to another, as three models: the
// lecture notes' (a 10 ms period shared equally), CFS before Linux 6.6 (a latency target with
// a floor per task) and EEVDF from 6.6 (a fixed base slice per task). Pure functions of the
// numbers that decide them, so lessons can print them beside what they measured and tests can
// check them against the kernel's formulas.
//
// Sources: the Linux kernel's kernel/sched/fair.c (v6.5) sysctl_sched_latency,
// sysctl_sched_min_granularity, sched_nr_latency and __sched_period; the EEVDF base slice
// (0.75 ms × factor in 6.6–6.14, 0.70 ms × factor from 6.15, commit 2ae891b).
//
// The tick matters as much as the slice: a task that never sleeps is only preempted when the
// scheduler looks, at a timer tick (every 1/HZ s) or when another task wakes up. A 1.4 ms slice
// at HZ=250 therefore runs to the next 4 ms tick.

#include <cstdint>

namespace conc::os {

inline constexpr double kNotesPeriodNs = 10e6;  // "10 ms" in the notes

// The notes' model: period ÷ N.
double notes_model_slice_ns(int runnable, double period_ns = kNotesPeriodNs);

// The scaling factor both CFS and EEVDF apply to their defaults (SCHED_TUNABLESCALING_LOG):
// 1 + ilog2(min(cpus, 8)).
int tunable_scaling_factor(int online_cpus);

// CFS (≤ 6.5): the period every runnable task runs once in, and each one's share of it.
struct CfsSlice {
  double latency_ns = 0;          // 6 ms × factor: the target period for few tasks
  double min_granularity_ns = 0;  // 0.75 ms × factor: the floor per task
  double period_ns = 0;           // latency, or N × min_granularity past 8 tasks
  double slice_ns = 0;            // period ÷ N for equal weights
};
CfsSlice cfs_slice(int runnable, int online_cpus);

// EEVDF (6.6+): the base slice every task asks for, independent of N.
double eevdf_base_slice_ns(int online_cpus, int kernel_major, int kernel_minor);

// What a task that never sleeps actually runs when only ticks can preempt it and its slice
// started on a tick: the slice rounded up to whole ticks. hz <= 0 gives the slice unchanged.
double tick_rounded_run_ns(double slice_ns, int hz);

// One round: the time until every one of N equal busy tasks has had a turn of `run_ns`, which
// is also about how long each waits between two of its own turns ((N-1) × run_ns).
double round_ns(int runnable, double run_ns);

}  // namespace conc::os
