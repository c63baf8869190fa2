#pragma once
// Lesson `context-switch` is five files: context_switch.cpp (the lesson: timing, goroutine
// slot, verdicts' inputs), context_switch_costs.cpp (reporting the switch costs, C14-C16),
// context_switch_pressure.cpp (C17's busy loop), context_switch_reference.cpp (--reference)
// and context_switch_verdicts.cpp (the pure rules). This header is what they share; it is
// internal to the lesson.

#include <optional>
#include <string>
#include <vector>

#include "lessons/common/lesson.h"
#include "lessons/context_switch/context_switch.h"
#include "os/workloads/pingpong.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

// "±1.2%": half the p10-p90 range, relative to the median. Compact enough for the wide
// tables; the measurement blocks carry the full p10-p90 and min-max.
inline std::string plus_minus(const report::Stats& s) {
  return "±" + report::format_number(report::relative_spread(s) / 2 * 100) + "%";
}

// The same for a share that may sit near zero (a loss): half the p10-p90 range in points.
inline std::string plus_minus_points(const report::Stats& s) {
  return "±" + report::format_number((s.p90 - s.p10) / 2 * 100) + " pts";
}

// Batch sizes of the yardsticks: each batch is one sample, about a millisecond or more.
inline constexpr long kCallBatch = 1'000'000;
inline constexpr long kSyscallBatch = 20'000;
inline constexpr long kPairBatch = 10'000;
// One yardstick sample: the fastest of kSubBatches batches of n / kSubBatches operations. A
// preemption or an interrupt only ever adds time, and a short batch is less likely to be hit,
// so the fastest batch is the operation's own cost (lmbench reports minimums for this reason).
inline constexpr int kSubBatches = 5;

// The yardsticks, one sample per round.
struct Yardsticks {
  std::vector<double> call, getppid, pipe_pair, futex_private, futex_shared;
};

// One ping-pong (a transport between threads or processes), one sample per round.
struct PingPongFigure {
  os::Transport transport = os::Transport::futex;
  os::Partners partners = os::Partners::threads;
  std::vector<double> round_trip, voluntary, involuntary, cpu_share;
  std::vector<double> minus_syscalls, minus_baseline;  // per switch, (b) and (a)
  bool on_cpu = true;  // both sides ran on the CPU they were pinned to, in every round

  std::string key() const;          // "futex_threads"
  std::string label() const;        // "thread ping-pong, futex"
  std::string short_label() const;  // "threads, futex"
};

// The slot for the runtime's user-space switches (conc::rt): a yield switch between two
// goroutines on one worker, and a hand-off over an unbuffered channel, one sample per round.
struct GoroutineSwitches {
  std::vector<double> yield_switch_ns, channel_handoff_ns;
  std::string method;
};

// What the first part of the lesson measured, round by round.
struct SwitchCosts {
  Yardsticks y;
  std::vector<PingPongFigure> figures;  // futex then pipe; threads then processes
  std::optional<GoroutineSwitches> goroutine;

  const PingPongFigure& figure(os::Transport t, os::Partners p) const;
  // Per switch, lmbench's subtraction (a), median over the rounds.
  double per_switch(os::Transport t, os::Partners p) const;
};

// The lesson's own checks on one ping-pong: both sides on the CPU, two switches per round trip
// with a side blocking in each (os::switch_count_plausible), the pair using the CPU.
Trust check_trust(const PingPongFigure& f, int cpu);

// context_switch_costs.cpp: the measurements, the table and the chart of the switch costs, and
// the two explanations that read them (what a thread saves; why a laptop differs).
void report_switch_costs(LessonContext& ctx, const SwitchCosts& costs);
void explain_thread_saving(LessonContext& ctx, const SwitchCosts& costs);
void explain_machine(LessonContext& ctx, const SwitchCosts& costs);
// determinants.cpp: the table beside C15 of what this machine adds to a process switch (PTI,
// PCID, IBPB), read from the kernel, with the measured process − thread extra.
void add_process_switch_determinants(LessonContext& ctx, const SwitchCosts& costs);
// ring.cpp: lmbench's lat_ctx ring of 2-16 threads or processes on one CPU, each touching a
// working set at every hand-off; adds its section and table. `full`: 7 repetitions instead of
// 3, and a ring of 32 too.
void measure_switch_ring(LessonContext& ctx, bool full);
// The register state this CPU saves and restores on a switch (CPUID leaf 0xD: the XSAVE area
// for the features the kernel enabled); nullopt where there is no such leaf.
std::optional<unsigned> xsave_area_bytes();

// C17: runs the busy loop alone and under forced switches, round-major; adds its section,
// measurements and table to the report, and returns what the verdict needs.
struct PressureOutcome {
  C17Paced paced;  // the highest paced rate, against the loop alone
};
PressureOutcome measure_switch_pressure(LessonContext& ctx);

// --reference: perf bench sched pipe beside conc-lab's raw pipe round trip. With `enabled`
// false it only says how to ask for it; without perf it says how to install it.
struct ReferenceInputs {
  double pipe_threads_rt_ns = 0, pipe_processes_rt_ns = 0;  // to size the runs
  double pipe_pair_ns = 0, getppid_ns = 0;                  // the two subtractions
};
void compare_with_perf(LessonContext& ctx, bool enabled, const ReferenceInputs& in);

}  // namespace conc::lessons::context_switch
