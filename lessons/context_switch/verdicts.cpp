// The verdict rules of lesson `context-switch` (C14-C17, C33): numbers in, ClaimVerdict out.
// Thresholds are the named constants in context_switch.h, stated again in each `threshold`.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lessons/common/verdict_rule.h"
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
    "; could not judge when a ping-pong figure it uses failed the lesson's checks (marked "
    "untrusted above)";

}  // namespace

Trust both(const Trust& a, const Trust& b) {
  if (a.trusted || b.trusted) {
    return a.trusted ? b : a;
  }
  return {false, a.caveat + "; " + b.caveat};
}

ClaimVerdict judge_c14(double thread_switch_ns, double call_ns, double syscall_ns,
                       const Trust& trust) {
  const Rule rule{
      "C14",
      fmt::format("the share of one CPU the cheapest kernel switch measured (threads, futex, the "
                  "lower of its two per-switch figures) would take at an I/O-bound server's {} "
                  "switches/s: confirmed at {} or more, contradicted under {}, nuanced in "
                  "between{}",
                  format_number(kC14ServerSwitchesPerS), format_percent(kC14ExpensiveShare),
                  format_percent(kC14CheapShare), kTrustRule)};
  if (thread_switch_ns <= 0 || call_ns <= 0) {
    return rule.not_judged(
        fmt::format("the subtraction left {} per switch against a {} call: run-to-run noise is "
                    "larger than the switch here, so this run cannot say",
                    format_ns(thread_switch_ns), format_ns(call_ns)));
  }
  const double server_share = thread_switch_ns * kC14ServerSwitchesPerS / 1e9;
  const double tick_share = thread_switch_ns * kC14TickSwitchesPerS / 1e9;
  const std::string syscalls =
      syscall_ns > 0
          ? fmt::format(", or {} bare system calls", format_number(thread_switch_ns / syscall_ns))
          : std::string();
  std::string measured = fmt::format(
      "one switch between two threads costs {} (the time of {} function calls{}). At the {} "
      "switches/s of an I/O-bound server that switches for every request, switching takes {} of "
      "a CPU; at the scheduler tick's {} a second it takes {}",
      format_ns(thread_switch_ns), format_number(thread_switch_ns / call_ns), syscalls,
      format_number(kC14ServerSwitchesPerS), format_percent(server_share),
      format_number(kC14TickSwitchesPerS), format_percent(tick_share));
  return unless_untrusted(
      rule.decide(classify_at_least(server_share, kC14CheapShare, kC14ExpensiveShare),
                  std::move(measured),
                  {.confirmed = ". Expensive next to the few microseconds of work a request "
                                "needs: a design that switches per request pays for it, one that "
                                "time-slices does not",
                   .nuanced = ": a cost a switch-per-request design notices, but not one that "
                              "dominates it",
                   .contradicted = ": cheap even for a design that switches per request"}),
      trust.trusted, trust.caveat);
}

namespace {

double extra_ns(const C15Path& p) {
  return p.process_ns - p.thread_ns;
}

// What the address space added per switch on one path, with its per-round range (from the
// per-round ratios: thread × (ratio − 1)) and the ratio as context.
std::string c15_path_text(const char* path, const C15Path& p) {
  return fmt::format("{} over {} (per round {} to {}; {} the thread switch)",
                     format_ns(extra_ns(p)), path, format_ns(p.thread_ns * (p.ratio_p10 - 1)),
                     format_ns(p.thread_ns * (p.ratio_p90 - 1)),
                     format_ratio(p.process_ns / p.thread_ns));
}

// The two paths make the same switches, so the address space should add the same time to
// both: their per-round ranges overlap, or they differ by at most kC15AgreementShare.
bool c15_paths_agree(const C15Path& futex, const C15Path& pipe) {
  const double f_lo = futex.thread_ns * (futex.ratio_p10 - 1);
  const double f_hi = futex.thread_ns * (futex.ratio_p90 - 1);
  const double p_lo = pipe.thread_ns * (pipe.ratio_p10 - 1);
  const double p_hi = pipe.thread_ns * (pipe.ratio_p90 - 1);
  const bool overlap = f_lo <= p_hi && p_lo <= f_hi;
  const double larger = std::max(std::abs(extra_ns(futex)), std::abs(extra_ns(pipe)));
  return overlap || std::abs(extra_ns(futex) - extra_ns(pipe)) <= kC15AgreementShare * larger;
}

}  // namespace

ClaimVerdict judge_c15(const C15Path& futex, const C15Path& pipe, const Trust& trust) {
  const Rule rule{
      "C15",
      fmt::format("the extra cost of a process switch over a thread switch (process − thread, "
                  "per switch, no-switch baselines subtracted), over a futex and over pipes: "
                  "confirmed when both add at least {} and agree (per-round ranges overlap, or "
                  "within {} of each other); contradicted when both add under {}; nuanced "
                  "otherwise{}",
                  format_ns(kC15ExtraNs), format_percent(kC15AgreementShare),
                  format_ns(kC15NoExtraNs), kTrustRule)};
  if (futex.thread_ns <= 0 || futex.process_ns <= 0 || pipe.thread_ns <= 0 ||
      pipe.process_ns <= 0) {
    return rule.not_judged(fmt::format(
        "a per-switch figure came out at or below zero (futex: thread {}, process {}; pipe: "
        "thread {}, process {}): the baseline and the round trip are too close to compare",
        format_ns(futex.thread_ns), format_ns(futex.process_ns), format_ns(pipe.thread_ns),
        format_ns(pipe.process_ns)));
  }
  const bool agree = c15_paths_agree(futex, pipe);
  const bool both_add = extra_ns(futex) >= kC15ExtraNs && extra_ns(pipe) >= kC15ExtraNs;
  const bool neither_adds = extra_ns(futex) < kC15NoExtraNs && extra_ns(pipe) < kC15NoExtraNs;
  const Verdict verdict = both_add && agree ? Verdict::confirmed
                          : neither_adds    ? Verdict::contradicted
                                            : Verdict::nuanced;
  const std::string below =
      fmt::format(". Measurable, but under the {} this rule asks of a cost worth designing around",
                  format_ns(kC15ExtraNs));
  const std::string_view disagree =
      ". The two paths make the same switches yet disagree beyond their spread: something "
      "besides the address space differs between them, so this run cannot put one figure on it";
  return unless_untrusted(
      rule.decide(verdict,
                  fmt::format("a process switch adds {}, and {}", c15_path_text("the futex", futex),
                              c15_path_text("pipes", pipe)),
                  {.confirmed = ". Both paths agree: that is the address-space change (loading "
                                "the other page-table root, and refilling the TLB entries it "
                                "displaces)",
                   .nuanced = agree ? std::string_view(below) : disagree,
                   .contradicted = ". The address-space change costs nothing measurable here (a "
                                   "CPU that tags TLB entries with PCID/ASID keeps them across "
                                   "the switch)"}),
      trust.trusted, trust.caveat);
}

ClaimVerdict judge_c16(double thread_switch_ns, double process_switch_ns,
                       std::optional<unsigned> register_state_bytes, const Trust& trust) {
  const Rule rule{
      "C16",
      fmt::format("what a thread switch saves against a process switch (futex, per switch) and "
                  "the size of the register state a thread carries (XSAVE area): confirmed when "
                  "threads save at least {} and the state is at most {}; nuanced when the state "
                  "is larger; contradicted when threads save less than {}{}",
                  format_percent(kC16MinSavedShare), report::format_bytes(kC16SmallStateBytes),
                  format_percent(kC16MinSavedShare), kTrustRule)};
  if (thread_switch_ns <= 0 || process_switch_ns <= 0) {
    return rule.not_judged(
        fmt::format("a per-switch figure came out at or below zero (thread {}, process {}): "
                    "noise is larger than the switch here",
                    format_ns(thread_switch_ns), format_ns(process_switch_ns)));
  }
  const double saved = process_switch_ns - thread_switch_ns;
  const double share = saved / process_switch_ns;
  const std::string state =
      register_state_bytes
          ? fmt::format("the register state a thread carries is {} on this CPU (XSAVE area)",
                        report::format_bytes(*register_state_bytes))
          : std::string("the register state size could not be read on this CPU");
  const bool large_state = register_state_bytes && *register_state_bytes > kC16SmallStateBytes;
  const Verdict verdict = share < kC16MinSavedShare ? Verdict::contradicted
                          : large_state             ? Verdict::nuanced
                                                    : Verdict::confirmed;
  const std::string light = fmt::format(
      ". A thread's own context is its registers ({}) and a stack pointer; the address space is "
      "what makes a process's heavier",
      register_state_bytes
          ? fmt::format("{} cache lines of 64 bytes", format_number(*register_state_bytes / 64.0))
          : std::string("a few kilobytes at most"));
  return unless_untrusted(
      rule.decide(verdict,
                  fmt::format("a thread switch costs {} against {} for a process switch: not "
                              "changing the address space saves {} per switch ({} of the "
                              "process switch); {}",
                              format_ns(thread_switch_ns), format_ns(process_switch_ns),
                              format_ns(saved), format_percent(share), state),
                  {.confirmed = light,
                   .nuanced = ". The address space is the heavy part, but the registers alone "
                              "are more than a page (wide vector or tile registers)",
                   .contradicted = ". A process's larger context cost no measurable time here"}),
      trust.trusted, trust.caveat);
}

namespace {

// C17 before the trust check: every outcome, "could not judge" included, is withdrawn when the
// ping-pong figure behind it failed the lesson's checks.
ClaimVerdict c17_decided(const Rule& rule, const C17Paced& p, double switch_with_syscalls_ns) {
  const double predicted = p.forced_per_s * switch_with_syscalls_ns / 1e9;
  std::string measured = fmt::format(
      "with {} switches/s forced on its CPU the busy loop lost {} of its CPU time (±{}), where "
      "{} per switch with its system calls predicts {}; per second of its own CPU time it did "
      "{} less work (caches and TLB refilled after the switches)",
      format_number(p.forced_per_s), format_percent(p.cpu_lost), format_percent(p.cpu_lost_spread),
      format_ns(switch_with_syscalls_ns), format_percent(predicted),
      format_percent(p.indirect_lost));
  const bool within_noise = std::abs(p.cpu_lost) <= p.cpu_lost_spread;
  if (p.alone_cpu_share < kC17MinAloneCpuShare) {
    return rule.but(Verdict::not_judged, std::move(measured),
                    fmt::format("even alone the loop got only {} of its CPU: other tasks "
                                "competed for it, so this run cannot pin its losses on the "
                                "switches",
                                format_percent(p.alone_cpu_share)));
  }
  if (p.forced_per_s <= 0 || switch_with_syscalls_ns <= 0) {
    return rule.not_judged(measured +
                           ": no switch was forced beyond the loop's own, or none was timed");
  }
  if (within_noise && predicted >= kC17VisibleSpreads * p.cpu_lost_spread) {
    return rule.contradicted(measured + ": the switches should have shown, and no loss did");
  }
  if (within_noise) {
    return rule.not_judged(measured + ": the loss the switches predict is within this run's noise");
  }
  const double lost_per_switch_ns = p.cpu_lost * 1e9 / p.forced_per_s;
  return rule.decide(within_factor(lost_per_switch_ns / switch_with_syscalls_ns, 1, kC17Agreement)
                         ? Verdict::confirmed
                         : Verdict::nuanced,
                     fmt::format("{}: {} lost per switch", measured, format_ns(lost_per_switch_ns)),
                     {.confirmed = ", so the CPU time the loop lost is the time spent switching",
                      .nuanced = ", a loss the counted switches do not account for"});
}

}  // namespace

ClaimVerdict judge_c17(const C17Paced& p, double switch_with_syscalls_ns, const Trust& trust) {
  const Rule rule{
      "C17",
      fmt::format("at the highest paced rate: confirmed when the loop's CPU lost is beyond its "
                  "round-to-round spread and, per forced switch, within {} of what a switch with "
                  "its system calls costs in the ping-pong; contradicted when the switches should "
                  "have taken at least {} times the spread and no loss was measured; could not "
                  "judge when that predicted loss is within the noise or the loop alone got under "
                  "{} of its CPU; nuanced otherwise{}",
                  format_ratio(kC17Agreement), format_number(kC17VisibleSpreads),
                  format_percent(kC17MinAloneCpuShare), kTrustRule)};
  return unless_untrusted(c17_decided(rule, p, switch_with_syscalls_ns), trust.trusted,
                          trust.caveat);
}

ClaimVerdict judge_c33(double thread_switch_ns, double process_switch_ns,
                       std::optional<double> goroutine_switch_ns, const Trust& trust) {
  const Rule rule{
      "C33", fmt::format("kernel thread switch (futex, per switch) ÷ goroutine yield switch (one "
                         "worker, same CPU): confirmed at {} or more, contradicted under {}, "
                         "nuanced in between{}",
                         format_ratio(kC33MuchCheaper), format_ratio(kC33NotCheaper), kTrustRule)};
  if (!goroutine_switch_ns || *goroutine_switch_ns <= 0) {
    return rule.nuanced("the goroutine switch was not measured in this run");
  }
  if (thread_switch_ns <= 0) {
    return rule.nuanced(fmt::format(
        "the subtraction left {} per kernel thread switch: run-to-run noise is larger than the "
        "switch here, so this run cannot compare it with the goroutine's {}",
        format_ns(thread_switch_ns), format_ns(*goroutine_switch_ns)));
  }
  const double ratio = thread_switch_ns / *goroutine_switch_ns;
  return unless_untrusted(
      rule.decide(classify_at_least(ratio, kC33NotCheaper, kC33MuchCheaper),
                  fmt::format("a goroutine switch costs {} here, a kernel thread switch {} ({} as "
                              "much) and a process switch {} ({})",
                              format_ns(*goroutine_switch_ns), format_ns(thread_switch_ns),
                              format_ratio(ratio), format_ns(process_switch_ns),
                              format_ratio(process_switch_ns / *goroutine_switch_ns)),
                  {.confirmed = ": the runtime switches in user space, saving and restoring a "
                                "few registers and a stack pointer, with no trip through the "
                                "kernel and no scheduler decision",
                   .nuanced = ": cheaper, but not by the order of magnitude the notes suggest",
                   .contradicted = ": on this machine the kernel switch is not much dearer"}),
      trust.trusted, trust.caveat);
}

bool ring_stepped_up(const RingStep& s) {
  const double excess =
      (s.processes_many_ns - s.processes_few_ns) - (s.threads_many_ns - s.threads_few_ns);
  return excess >= kRingStepShare * s.processes_few_ns && excess > s.noise_ns;
}

std::string ring_step_sentence(const RingStep& s) {
  const double excess =
      (s.processes_many_ns - s.processes_few_ns) - (s.threads_many_ns - s.threads_few_ns);
  const std::string figures = fmt::format(
      "from {} to {} tasks, processes {} → {}, threads {} → {}: the processes rose {} more "
      "than the threads (a step needs {} of {} and more than the noise, {})",
      s.few, s.many, format_ns(s.processes_few_ns), format_ns(s.processes_many_ns),
      format_ns(s.threads_few_ns), format_ns(s.threads_many_ns), format_ns(excess),
      format_percent(kRingStepShare), format_ns(s.processes_few_ns), format_ns(s.noise_ns));
  if (ring_stepped_up(s)) {
    return fmt::format(
        "Here the cost stepped up as more address spaces rotated ({}). {}", figures,
        s.pcid ? "With PCID the kernel keeps a few address-space IDs per CPU; once more "
                 "processes rotate than it keeps, a switch flushes the TLB again."
               : "Without PCID the TLB is flushed at every process switch anyway, so the step "
                 "is the other processes evicting each one's page-table entries from the "
                 "caches.");
  }
  return fmt::format(
      "Here the cost did not step up as more address spaces rotated ({}). {}", figures,
      s.pcid ? "With PCID, the IDs the kernel keeps per CPU were enough here, or the TLB refill "
               "is too small to see beside the switch."
             : "Without PCID every process switch flushes the TLB already, at 2 processes as "
               "at 16, so more address spaces have nothing more to take away.");
}

}  // namespace conc::lessons::context_switch
