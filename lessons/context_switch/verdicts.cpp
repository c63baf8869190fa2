// The verdict rules of lesson `context-switch` (C14-C17, C33): numbers in, ClaimVerdict out.
// Thresholds are the named constants in context_switch.h, stated again in each `threshold`.

#include <fmt/format.h>

#include "lessons/context_switch/context_switch.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

using report::ClaimVerdict;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::format_ratio;
using report::Verdict;

namespace {

constexpr const char* kTrustRule =
    "; always nuanced when a ping-pong figure it uses failed the lesson's checks (marked "
    "untrusted above)";

// An untrusted input cannot confirm or contradict anything: nuanced, and `because` says why.
void apply_trust(ClaimVerdict& v, const Trust& trust) {
  if (trust.trusted) {
    return;
  }
  v.verdict = Verdict::nuanced;
  v.because += fmt::format(
      ". But the figures behind this failed the lesson's own checks ({}), so this run "
      "cannot decide",
      trust.caveat);
}

}  // namespace

Trust both(const Trust& a, const Trust& b) {
  if (a.trusted || b.trusted) {
    return a.trusted ? b : a;
  }
  return {false, a.caveat + "; " + b.caveat};
}

ClaimVerdict judge_c14(double thread_switch_ns, double call_ns, double syscall_ns,
                       const Trust& trust) {
  ClaimVerdict v{"C14", Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "the cheapest kernel switch measured (threads, futex, the lower of its two per-switch "
      "figures) against a noinline function call: confirmed at {} calls or more, nuanced "
      "from {} to {}, contradicted under {}{}",
      format_number(kC14ExpensiveCalls), format_number(kC14CheapCalls),
      format_number(kC14ExpensiveCalls), format_number(kC14CheapCalls), kTrustRule);
  if (thread_switch_ns <= 0 || call_ns <= 0) {
    v.because = fmt::format(
        "the subtraction left {} per switch against a {} call: run-to-run noise is larger than "
        "the switch here, so this run cannot say",
        format_ns(thread_switch_ns), format_ns(call_ns));
    return v;
  }
  const double calls = thread_switch_ns / call_ns;
  const std::string syscalls =
      syscall_ns > 0
          ? fmt::format(" and {} bare system calls ({} each)",
                        format_number(thread_switch_ns / syscall_ns), format_ns(syscall_ns))
          : std::string();
  const std::string measured = fmt::format(
      "one switch between two threads costs {}: the time of {} function calls ({} "
      "each){}",
      format_ns(thread_switch_ns), format_number(calls), format_ns(call_ns), syscalls);
  if (calls >= kC14ExpensiveCalls) {
    v.verdict = Verdict::confirmed;
    v.because = measured +
                ". A design that switches once per small piece of work spends most "
                "of its time switching";
  } else if (calls < kC14CheapCalls) {
    v.verdict = Verdict::contradicted;
    v.because = measured + ": as cheap as a handful of calls";
  } else {
    v.because = measured + ": dearer than a call, but not by orders of magnitude";
  }
  apply_trust(v, trust);
  return v;
}

namespace {

double ratio(const C15Path& p) {
  return p.process_ns / p.thread_ns;
}

// "heavier over futex (1.25×; per round 1.18×–1.31×)": where one path's ratio falls.
std::string c15_reading(const char* path, const C15Path& p) {
  const double r = ratio(p);
  const std::string where = r >= kC15HeavierRatio  ? "heavier"
                            : r < kC15LighterRatio ? "lighter"
                                                   : "no clear difference";
  return fmt::format("{} over {} ({}; per round {}–{})", where, path, format_ratio(r),
                     format_ratio(p.ratio_p10), format_ratio(p.ratio_p90));
}

// Why neither confirmed nor contradicted, in terms of which path did what.
std::string c15_nuance(const C15Path& futex, const C15Path& pipe) {
  const bool futex_heavier = ratio(futex) >= kC15HeavierRatio;
  const bool pipe_heavier = ratio(pipe) >= kC15HeavierRatio;
  const std::string margin = format_percent(kC15HeavierRatio - 1);
  if (futex_heavier || pipe_heavier) {
    return fmt::format(
        "Only over {} does a process switch cost at least {} more: the two paths make the same "
        "switches, so the address space does not weigh the same in both, and this run cannot "
        "say it always weighs much",
        futex_heavier ? "the futex" : "pipes", margin);
  }
  return fmt::format(
      "On neither path does a process switch cost {} more. The extra work of a process switch "
      "(a new page-table root, the TLB entries of the other address space) is small here next "
      "to the kernel entry, scheduling and exit that both kinds pay",
      margin);
}

}  // namespace

ClaimVerdict judge_c15(const C15Path& futex, const C15Path& pipe, const Trust& trust) {
  ClaimVerdict v{"C15", Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "process ÷ thread, per switch (no-switch baselines subtracted), over a futex and over "
      "pipes: confirmed when both are at least {}, contradicted when both are under {}, "
      "nuanced otherwise{}",
      format_ratio(kC15HeavierRatio), format_ratio(kC15LighterRatio), kTrustRule);
  if (futex.thread_ns <= 0 || futex.process_ns <= 0 || pipe.thread_ns <= 0 ||
      pipe.process_ns <= 0) {
    v.because = fmt::format(
        "a per-switch figure came out at or below zero (futex: thread {}, process {}; pipe: "
        "thread {}, process {}): the baseline and the round trip are too close to compare",
        format_ns(futex.thread_ns), format_ns(futex.process_ns), format_ns(pipe.thread_ns),
        format_ns(pipe.process_ns));
    return v;
  }
  const std::string measured = fmt::format(
      "per switch, two processes cost {} against {} for two threads over a futex, and {} "
      "against {} over pipes: {}, {}",
      format_ns(futex.process_ns), format_ns(futex.thread_ns), format_ns(pipe.process_ns),
      format_ns(pipe.thread_ns), c15_reading("the futex", futex), c15_reading("pipes", pipe));
  if (ratio(futex) >= kC15HeavierRatio && ratio(pipe) >= kC15HeavierRatio) {
    v.verdict = Verdict::confirmed;
    v.because = measured + ". The address-space change is a large part of a process switch";
  } else if (ratio(futex) < kC15LighterRatio && ratio(pipe) < kC15LighterRatio) {
    v.verdict = Verdict::contradicted;
    v.because = measured + ". Processes switched faster than threads here";
  } else {
    v.because = measured + ". " + c15_nuance(futex, pipe);
  }
  apply_trust(v, trust);
  return v;
}

namespace {

// Why a thread switch that does save something is still not "light".
std::string c16_nuance(double thread_switch_ns, double call_ns,
                       std::optional<double> user_switch_ns) {
  const std::string calls =
      call_ns > 0 ? fmt::format(" ({} function calls)", format_number(thread_switch_ns / call_ns))
                  : std::string();
  return fmt::format(
      "Yet the thread switch still costs {}{}: its price is the trip through the kernel "
      "(entry, scheduler, register and FPU state, exit), not the size of the context. {}",
      format_ns(thread_switch_ns), calls,
      user_switch_ns ? fmt::format("The user-space switch ({}) is not {} cheaper.",
                                   format_ns(*user_switch_ns), format_ratio(kC16UserSpaceFactor))
                     : std::string("A switch of only PC, registers and stack, in user space, "
                                   "was not measured in this run."));
}

}  // namespace

ClaimVerdict judge_c16(double thread_switch_ns, double process_switch_ns, double call_ns,
                       std::optional<double> user_switch_ns, const Trust& trust) {
  ClaimVerdict v{"C16", Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "confirmed when a user-space switch (PC, registers and stack only: the runtime's "
      "goroutine switch) costs at most 1/{} of a kernel thread switch; without one, nuanced while "
      "threads save at least {} of the process switch (futex, per switch), contradicted "
      "below that{}",
      format_number(kC16UserSpaceFactor), format_percent(kC16MinSavedShare), kTrustRule);
  const double saved = process_switch_ns - thread_switch_ns;
  const double share = process_switch_ns > 0 ? saved / process_switch_ns : 0;
  const std::string saving = fmt::format(
      "a thread switch costs {} against {} for a process switch: sharing the address space "
      "saves {} per switch ({} of the process switch)",
      format_ns(thread_switch_ns), format_ns(process_switch_ns), format_ns(saved),
      format_percent(share));
  if (user_switch_ns && *user_switch_ns > 0 &&
      *user_switch_ns * kC16UserSpaceFactor <= thread_switch_ns) {
    v.verdict = Verdict::confirmed;
    v.because = fmt::format(
        "{}; a user-space switch, which saves only PC, registers and stack, costs {}: {} "
        "less than the kernel thread switch",
        saving, format_ns(*user_switch_ns), format_ratio(thread_switch_ns / *user_switch_ns));
  } else if (share < kC16MinSavedShare) {
    v.verdict = Verdict::contradicted;
    v.because = saving + ": a thread's context saved no measurable time here";
  } else {
    v.because = saving + ". " + c16_nuance(thread_switch_ns, call_ns, user_switch_ns);
  }
  apply_trust(v, trust);
  return v;
}

ClaimVerdict judge_c17(double lost_share, double switches_per_s, double switch_with_syscalls_ns,
                       double alone_cpu_share, const Trust& trust) {
  ClaimVerdict v{"C17", Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "at the highest switch rate: contradicted when the busy loop lost under {} of its work; "
      "confirmed when it lost at least {} and the time lost per forced switch is within {} of "
      "what one switch with its system calls costs in the ping-pong; nuanced otherwise, and "
      "always nuanced when the loop alone got under {} of its CPU (other tasks competed){}",
      format_percent(kC17NoiseShare), format_percent(kC17MinShare), format_ratio(kC17Agreement),
      format_percent(kC17MinAloneCpuShare), kTrustRule);
  const double lost_per_switch_ns = switches_per_s > 0 ? lost_share * 1e9 / switches_per_s : 0;
  const double agreement =
      switch_with_syscalls_ns > 0 ? lost_per_switch_ns / switch_with_syscalls_ns : 0;
  const std::string measured = fmt::format(
      "with {} switches/s forced on its CPU the busy loop did {} less work; that is {} lost "
      "per switch, against {} for a switch with its system calls in the ping-pong",
      format_number(switches_per_s), format_percent(lost_share), format_ns(lost_per_switch_ns),
      format_ns(switch_with_syscalls_ns));
  if (alone_cpu_share < kC17MinAloneCpuShare) {
    v.because = fmt::format(
        "{}. But even alone the loop got only {} of its CPU: other tasks competed for it, so "
        "this run cannot pin its losses on the switches",
        measured, format_percent(alone_cpu_share));
  } else if (lost_share < kC17NoiseShare) {
    v.verdict = Verdict::contradicted;
    v.because = measured + ": no loss beyond noise";
  } else if (lost_share >= kC17MinShare && agreement >= 1 / kC17Agreement &&
             agreement <= kC17Agreement) {
    v.verdict = Verdict::confirmed;
    v.because = measured + ": the CPU time the program lost is the time spent switching";
  } else {
    v.because = measured + ": a loss, but not one the counted switches account for";
  }
  apply_trust(v, trust);
  return v;
}

ClaimVerdict judge_c33(double thread_switch_ns, double process_switch_ns,
                       std::optional<double> goroutine_switch_ns, const Trust& trust) {
  ClaimVerdict v{"C33", Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "kernel thread switch (futex, per switch) ÷ goroutine yield switch (one worker, same "
      "CPU): confirmed at {} or more, contradicted under {}, nuanced in between{}",
      format_ratio(kC33MuchCheaper), format_ratio(kC33NotCheaper), kTrustRule);
  if (!goroutine_switch_ns || *goroutine_switch_ns <= 0) {
    v.because = "the goroutine switch was not measured in this run";
    return v;
  }
  if (thread_switch_ns <= 0) {
    v.because = fmt::format(
        "the subtraction left {} per kernel thread switch: run-to-run noise is larger than the "
        "switch here, so this run cannot compare it with the goroutine's {}",
        format_ns(thread_switch_ns), format_ns(*goroutine_switch_ns));
    return v;
  }
  const double ratio = thread_switch_ns / *goroutine_switch_ns;
  const std::string figures = fmt::format(
      "a goroutine switch costs {} here, a kernel thread switch {} ({} as much) and a process "
      "switch {} ({})",
      format_ns(*goroutine_switch_ns), format_ns(thread_switch_ns), format_ratio(ratio),
      format_ns(process_switch_ns), format_ratio(process_switch_ns / *goroutine_switch_ns));
  if (ratio >= kC33MuchCheaper) {
    v.verdict = Verdict::confirmed;
    v.because = figures +
                ": the runtime switches in user space, saving and restoring a few registers and "
                "a stack pointer, with no trip through the kernel and no scheduler decision";
  } else if (ratio < kC33NotCheaper) {
    v.verdict = Verdict::contradicted;
    v.because = figures + ": on this machine the kernel switch is not much dearer";
  } else {
    v.because = figures + ": cheaper, but not by the order of magnitude the notes suggest";
  }
  apply_trust(v, trust);
  return v;
}

}  // namespace conc::lessons::context_switch
