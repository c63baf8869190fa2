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
// verdict on untrusted figures cannot be judged whatever the numbers, with the caveat in
// `because` (unless_untrusted in lessons/common/verdict_rule.h).
struct Trust {
  bool trusted = true;
  std::string caveat;  // what failed, when !trusted
};
// Trusted when both are; the caveats of those that are not, joined.
Trust both(const Trust& a, const Trust& b);

// C14 "context switches are expensive": "expensive" is relative to the work between switches,
// so the rule asks what share of one CPU the cheapest kernel switch measured (a thread switch
// over a futex, the lower of its two per-switch figures) would take at the switch rates real
// programs reach: an I/O-bound server's kC14ServerSwitchesPerS, beside the scheduler tick's
// kC14TickSwitchesPerS for contrast. Confirmed when the server rate costs at least
// kC14ExpensiveShare of a CPU; contradicted under kC14CheapShare (a switch under 100 ns).
inline constexpr double kC14ServerSwitchesPerS = 100'000;
inline constexpr double kC14TickSwitchesPerS = 250;
inline constexpr double kC14ExpensiveShare = 0.10;
inline constexpr double kC14CheapShare = 0.01;
report::ClaimVerdict judge_c14(double thread_switch_ns, double call_ns, double syscall_ns,
                               const Trust& trust);

// C15 "a process switch costs more than a thread switch": judged on the absolute extra cost
// per switch (process − thread, each with lmbench's subtraction of its no-switch baseline), over
// a futex and over pipes. The two paths make the same switches, so the address space should
// add the same time to both: they must agree (their per-round ranges overlap, or they differ by
// at most kC15AgreementShare of the larger). Confirmed when both add at least kC15ExtraNs and
// agree; contradicted when both add less than kC15NoExtraNs; nuanced otherwise. The ratios are
// shown as context only (a ratio depends on what the rest of the path costs).
inline constexpr double kC15ExtraNs = 100;
inline constexpr double kC15NoExtraNs = 30;
inline constexpr double kC15AgreementShare = 0.5;
struct C15Path {
  double thread_ns = 0, process_ns = 0;  // per switch, medians
  double ratio_p10 = 0, ratio_p90 = 0;   // process ÷ thread round by round
};
report::ClaimVerdict judge_c15(const C15Path& futex, const C15Path& pipe, const Trust& trust);

// C16 "a thread's context is small: PC, registers, stack": what a thread switch does not have
// to change is the address space, so the futex process switch minus the thread switch is what
// a process's larger context costs; the register state a thread does carry is the XSAVE area
// (CPUID leaf 0xD). Confirmed when threads save at least kC16MinSavedShare of the process
// switch and the register state is at most kC16SmallStateBytes (a page: AMX tiles make it
// 11 KB); nuanced when the state is larger; contradicted when threads save less than
// kC16MinSavedShare (a process's context then costs no more to switch).
inline constexpr double kC16MinSavedShare = 0.05;
inline constexpr double kC16SmallStateBytes = 4096;
report::ClaimVerdict judge_c16(double thread_switch_ns, double process_switch_ns,
                               std::optional<unsigned> register_state_bytes, const Trust& trust);

// C17 "while switching, the CPU is not running your program": judged on the highest paced
// row (a pacer forcing a known rate, where the pair does not simply take its fair half of the
// CPU as the free ping-pong does). The loop's CPU lost there, per forced switch, against what
// a switch with its system calls costs in the ping-pong: confirmed when the loss is beyond its
// own round-to-round spread and per switch within a factor kC17Agreement of that cost;
// contradicted when the switches should have taken at least kC17VisibleSpreads times the
// spread and nothing measurable went; could not judge when the predicted loss is within the
// noise, or when the loop alone got under kC17MinAloneCpuShare of its CPU (a busy machine);
// nuanced otherwise. The work lost per second of the loop's own CPU time (the indirect cost:
// caches and TLB refilled after each switch) is reported beside it.
inline constexpr double kC17Agreement = 3;
inline constexpr double kC17VisibleSpreads = 3;
inline constexpr double kC17MinAloneCpuShare = 0.9;
struct C17Paced {
  double forced_per_s = 0;     // switches/s above what the loop alone saw
  double cpu_lost = 0;         // 1 − loop CPU share with ÷ alone, median over rounds
  double cpu_lost_spread = 0;  // half its p10–p90 range
  double indirect_lost = 0;    // 1 − work per own CPU-second with ÷ alone, median
  double alone_cpu_share = 0;  // the loop's share of its CPU when alone
};
report::ClaimVerdict judge_c17(const C17Paced& paced, double switch_with_syscalls_ns,
                               const Trust& trust);

// C33 "switching goroutines is much cheaper than switching threads": the kernel thread switch
// (futex, per switch, lmbench's subtraction) against the runtime's yield switch between two
// goroutines on one worker, both on the same CPU in the same run. "Much" starts at
// kC33MuchCheaper; below kC33NotCheaper the claim fails. The process switch is quoted too.
inline constexpr double kC33MuchCheaper = 10;
inline constexpr double kC33NotCheaper = 2;
report::ClaimVerdict judge_c33(double thread_switch_ns, double process_switch_ns,
                               std::optional<double> goroutine_switch_ns, const Trust& trust);

// The lat_ctx ring (ring.cpp): did the per-switch cost step up as more address spaces rotate
// through the CPU? Compared at the smallest working set, from the fewest to the most members:
// the processes' rise minus the threads' rise (what the extra address spaces added). A step
// when that excess is at least kRingStepShare of the processes' cost at the fewest members and
// larger than the noise (the larger half p10-p90 spread of the four figures).
inline constexpr double kRingStepShare = 0.20;
struct RingStep {
  int few = 2, many = 16;
  double processes_few_ns = 0, processes_many_ns = 0;
  double threads_few_ns = 0, threads_many_ns = 0;
  double noise_ns = 0;
  bool pcid = false;  // the CPU offers address-space IDs (cpuinfo "pcid")
};
bool ring_stepped_up(const RingStep& s);
// One sentence computed from the numbers: what this machine showed, and the likely cause.
std::string ring_step_sentence(const RingStep& s);

}  // namespace conc::lessons::context_switch
