#pragma once
// Lesson `context-switch` (claims C14-C17, C33): what one context switch costs on this machine,
// next to a function call and a system call; threads against processes; what the switch
// leaves for your program when it happens often.
//
// JSON: measurements (ids, all "ns" unless noted)
//   function_call_ns, syscall_getppid_ns                  yardsticks
//   pipe_pair_ns, futex_pair_private_ns, futex_pair_shared_ns   lmbench's no-switch baselines
//   round_trip_{futex,pipe}_{threads,processes}_ns        raw ping-pong round trips (trusted =
//                                                         false when the counted switches, the
//                                                         pair's CPU share or its CPU say no)
//   goroutine_yield_switch_ns, goroutine_channel_handoff_ns   the runtime's user-space switches
//   busy_loop_alone_per_ns ("1/ns"), busy_loop_loss_{1k,10k,max}_percent ("%")   C17
//   perf_pipe_{processes,threads}_ns, reference_pipe_{processes,threads}_ns      --reference
// tables: "switch_costs" (every figure, per switch by both subtractions, voluntary and
// involuntary switches counted, ratios), "switch_pressure" (C17), "reference" (--reference).
// verdicts: C14, C15, C16, C17, C33.
//
// The verdict rules are pure functions so that tests can feed them synthetic numbers.

#include <optional>
#include <string>

#include "report/report.h"

namespace conc::lessons::context_switch {

// Whether the figures a verdict uses passed the lesson's own checks (two switches counted per
// round trip with a side blocking in each, the pair using the CPU, both sides on it). A
// verdict on untrusted figures is nuanced whatever the numbers, with the caveat in `because`.
struct Trust {
  bool trusted = true;
  std::string caveat;  // what failed, when !trusted
};
// Trusted when both are; the caveats of those that are not, joined.
Trust both(const Trust& a, const Trust& b);

// C14 "context switches are expensive": the cheapest kernel switch measured (a thread switch
// over a futex, the lower of its two per-switch figures) against a function call. At 100
// calls or more a switch is a cost to design around (switching per small item of work would
// dominate it); under 10 calls it would be cheap.
inline constexpr double kC14ExpensiveCalls = 100;
inline constexpr double kC14CheapCalls = 10;
report::ClaimVerdict judge_c14(double thread_switch_ns, double call_ns, double syscall_ns,
                               const Trust& trust);

// C15 "a process switch is heavier than a thread switch": process ÷ thread per switch
// (lmbench's subtraction: each with the no-switch baseline of its own calls), for the futex
// and the pipe ping-pong. A ratio counts as heavier only from 1.2: a margin for the drift
// between rounds, against which each path's per-round ratios (p10-p90 of this run) are shown
// in `because`, so the reader sees whether the margin was wide enough here. 0.8 is the
// symmetric bound the other way.
inline constexpr double kC15HeavierRatio = 1.2;
inline constexpr double kC15LighterRatio = 0.8;
struct C15Path {
  double thread_ns = 0, process_ns = 0;  // per switch, medians
  double ratio_p10 = 0, ratio_p90 = 0;   // process ÷ thread round by round
};
report::ClaimVerdict judge_c15(const C15Path& futex, const C15Path& pipe, const Trust& trust);

// C16 "a thread's context is light: PC, registers, stack": the futex process switch minus
// the thread switch is what the address space costs (what a thread saves). Confirmed only by
// a switch that really saves nothing but PC, registers and stack, i.e. the runtime's
// user-space switch (conc::rt's goroutine switch), when it is at least kC16UserSpaceFactor cheaper
// than the kernel thread switch. Without it: nuanced while threads save at least kC16MinSavedShare
// of the process switch, contradicted when they save less.
inline constexpr double kC16MinSavedShare = 0.05;
inline constexpr double kC16UserSpaceFactor = 10;
report::ClaimVerdict judge_c16(double thread_switch_ns, double process_switch_ns, double call_ns,
                               std::optional<double> user_switch_ns, const Trust& trust);

// C17 "while switching, the CPU is not running your program": the busy loop's lost share of
// work at the highest switch rate, and whether that loss matches the switches counted
// (lost time per switch within a factor kC17Agreement of what a switch with its syscalls
// costs in the ping-pong). Below kC17NoiseShare the loss cannot be told from run-to-run noise.
// When the loop alone got less than kC17MinAloneCpuShare of its CPU, other tasks competed for
// it and no loss can be pinned on the switches: nuanced, whatever the numbers. `trust` is the
// ping-pong figure's the comparison uses.
inline constexpr double kC17NoiseShare = 0.02;
inline constexpr double kC17MinShare = 0.05;
inline constexpr double kC17Agreement = 3;
inline constexpr double kC17MinAloneCpuShare = 0.9;
report::ClaimVerdict judge_c17(double lost_share, double switches_per_s,
                               double switch_with_syscalls_ns, double alone_cpu_share,
                               const Trust& trust);

// C33 "switching goroutines is much cheaper than switching threads": the kernel thread switch
// (futex, per switch, lmbench's subtraction) against the runtime's yield switch between two
// goroutines on one worker, both on the same CPU in the same run. "Much" starts at
// kC33MuchCheaper; below kC33NotCheaper the claim fails. The process switch is quoted too.
inline constexpr double kC33MuchCheaper = 10;
inline constexpr double kC33NotCheaper = 2;
report::ClaimVerdict judge_c33(double thread_switch_ns, double process_switch_ns,
                               std::optional<double> goroutine_switch_ns, const Trust& trust);

}  // namespace conc::lessons::context_switch
