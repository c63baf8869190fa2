// Lesson `context-switch`: reporting what the timing measured (C14-C16) — the measurement
// records with the lesson's trust checks, the table, the log-scale chart, and the two
// explanations that read them: what a thread switch saves, and why a laptop differs.

#include <fmt/format.h>

#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "lessons/context_switch/parts.h"
#include "os/procfs/sysinfo.h"

namespace conc::lessons::context_switch {

namespace {

using os::Partners;
using os::Transport;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::format_ratio;
using report::median;

const std::string kNone = "—";
// Below this many involuntary switches per round trip, the wakers mostly blocked themselves.
constexpr double kMostlyVoluntary = 0.1;
constexpr const char* kGoroutineMissing = "not measured in this run";

// a ÷ b, or "n/a" when either is not positive (a subtraction that noise turned negative).
std::string ratio_text(double a, double b) {
  return a > 0 && b > 0 ? format_ratio(a / b) : std::string("n/a");
}

void record_yardsticks(LessonContext& ctx, const Yardsticks& y) {
  // Every yardstick sample: pinned to the ping-pongs' CPU, the fastest of kSubBatches batches.
  auto sampling = [&](long batch) {
    const long per_batch = batch / kSubBatches;  // whole operations, as time_batch runs them
    return fmt::format("; on CPU {}, each sample the fastest of {} batches of {}", ctx.cpu(),
                       kSubBatches, format_number(static_cast<double>(per_batch)));
  };
  ctx.measure("function_call_ns", "function call (noinline)", "ns", y.call,
              "a noinline function with a compiler barrier inside, called in a loop (the loop's "
              "increment is included)" +
                  sampling(kCallBatch));
  ctx.measure("syscall_getppid_ns", "bare system call", "ns", y.getppid,
              "syscall(SYS_getppid): a real kernel entry, where clock_gettime would stay in the "
              "vDSO" +
                  sampling(kSyscallBatch));
  ctx.measure(
      "pipe_pair_ns", "no-switch pair: pipe write + read", "ns", y.pipe_pair,
      "one thread writes 1 byte to a pipe and reads it back; no one blocks" + sampling(kPairBatch));
  ctx.measure("futex_pair_private_ns", "no-switch pair: futex wake + wait (private)", "ns",
              y.futex_private,
              "FUTEX_WAKE with no waiter + FUTEX_WAIT on a value the word does not hold, "
              "private ops as in the thread ping-pong" +
                  sampling(kPairBatch));
  ctx.measure("futex_pair_shared_ns", "no-switch pair: futex wake + wait (shared)", "ns",
              y.futex_shared,
              "the same on a MAP_SHARED page with shared ops, as in the process ping-pong" +
                  sampling(kPairBatch));
}

void record_round_trips(LessonContext& ctx, const std::vector<PingPongFigure>& figures) {
  for (const auto& f : figures) {
    auto& m = ctx.measure(
        "round_trip_" + f.key() + "_ns", f.label() + ": round trip", "ns", f.round_trip,
        fmt::format("both {} pinned to CPU {}; A's wall time over the timed round trips",
                    os::to_string(f.partners), ctx.cpu()));
    const Trust trust = check_trust(f, ctx.cpu());
    m.trusted = trust.trusted;
    m.caveat = trust.caveat;
  }
}

void record_goroutine(LessonContext& ctx, const GoroutineSwitches& g) {
  if (!g.yield_switch_ns.empty()) {
    ctx.measure("goroutine_yield_switch_ns", "goroutine switch (yield, one worker)", "ns",
                g.yield_switch_ns, g.method);
  }
  if (!g.channel_handoff_ns.empty()) {
    ctx.measure("goroutine_channel_handoff_ns", "goroutine hand-off (unbuffered channel)", "ns",
                g.channel_handoff_ns, g.method);
  }
}

std::vector<report::Value> yardstick_row(const std::string& label, const std::vector<double>& v,
                                         double call) {
  const auto st = report::summarize(v);
  return {label, format_ns(st.median),           plus_minus(st), kNone, kNone, kNone,
          kNone, format_ratio(st.median / call), std::string("")};
}

std::vector<report::Value> pingpong_row(const SwitchCosts& c, const PingPongFigure& f,
                                        double call) {
  const auto rt = report::summarize(f.round_trip);
  const double minus_baseline = median(f.minus_baseline);
  std::string ratio;
  if (f.partners == Partners::processes) {
    const auto& th = c.figure(f.transport, Partners::threads);
    ratio = fmt::format("{} ({})", ratio_text(minus_baseline, median(th.minus_baseline)),
                        format_ratio(rt.median / median(th.round_trip)));
  }
  return {f.short_label(),
          format_ns(rt.median),
          plus_minus(rt),
          format_ns(minus_baseline),
          format_ns(median(f.minus_syscalls)),
          fmt::format("{:.2f}", median(f.voluntary)),
          fmt::format("{:.2f}", median(f.involuntary)),
          ratio_text(minus_baseline, call),
          ratio};
}

// The goroutine slot's rows: one "not yet" row until the runtime fills it.
void add_goroutine_rows(report::Table& t, const std::optional<GoroutineSwitches>& g, double call) {
  if (!g) {
    t.rows.push_back({std::string("goroutine switch"), std::string("not yet"), std::string(""),
                      kNone, kNone, kNone, kNone, kNone, std::string("")});
    return;
  }
  if (!g->yield_switch_ns.empty()) {
    t.rows.push_back(yardstick_row("goroutine yield switch", g->yield_switch_ns, call));
  }
  if (!g->channel_handoff_ns.empty()) {
    t.rows.push_back(yardstick_row("goroutine channel hand-off", g->channel_handoff_ns, call));
  }
}

// What this run's counts say about who blocked: a waker preempted by the task it woke is
// counted as an involuntary switch, although it was about to block anyway.
std::string switch_kinds_text(const PingPongFigure& f) {
  const double voluntary = median(f.voluntary);
  const double involuntary = median(f.involuntary);
  if (involuntary < kMostlyVoluntary) {
    return fmt::format(
        "Here ({}) {} of the switches per round trip were voluntary: each waker blocked before "
        "the task it woke ran.",
        f.short_label(), format_number(voluntary));
  }
  return fmt::format(
      "Here ({}) {} of the switches per round trip were voluntary and {} involuntary: the task "
      "woken mostly preempts its waker on the spot (wakeup preemption), so the waker is counted "
      "as preempted although it was about to block, and then finds the token already back.",
      f.short_label(), format_number(voluntary), format_number(involuntary));
}

void add_costs_table(LessonContext& ctx, const SwitchCosts& c) {
  const Yardsticks& y = c.y;
  const double call = median(y.call);
  report::Table t{"switch_costs",
                  fmt::format("Context switch cost on CPU {} (medians of {} round{})", ctx.cpu(),
                              y.call.size(), y.call.size() == 1 ? "" : "s"),
                  {"operation", "median", "±", "(a) lmbench", "(b) tsuna", "vol/rt", "inv/rt",
                   "÷ call", "proc ÷ thread"},
                  {},
                  ""};
  t.rows.push_back(yardstick_row("function call (noinline)", y.call, call));
  t.rows.push_back(yardstick_row("syscall(SYS_getppid)", y.getppid, call));
  t.rows.push_back(yardstick_row("no switch: pipe w+r", y.pipe_pair, call));
  t.rows.push_back(yardstick_row("no switch: futex w+w", y.futex_private, call));
  t.rows.push_back(yardstick_row("no switch: futex, shared", y.futex_shared, call));
  for (const auto& f : c.figures) {
    t.rows.push_back(pingpong_row(c, f, call));
  }
  add_goroutine_rows(t, c.goroutine, call);
  t.note = fmt::format(
      "Rows 3-5 are the no-switch baselines (w+r: write then read; w+w: a wake with no waiter "
      "then a wait that returns at once). For the ping-pongs, 'median' is the round trip as "
      "timed, and per switch = (round trip − subtracted) / 2, where (a) lmbench subtracts the "
      "round trip's own syscalls made without switching (2 × the no-switch pair) and (b) "
      "tsuna subtracts 4 × getppid. vol/rt, inv/rt: voluntary (blocked) and involuntary "
      "(preempted) context switches counted per round trip. ÷ call uses (a). proc ÷ thread: "
      "per switch by (a), and in brackets the raw round trips, which need no subtraction. ±: "
      "half the p10–p90 range. {} Goroutine switch: {}.",
      switch_kinds_text(c.figure(Transport::futex, Partners::threads)),
      c.goroutine ? "the runtime's, see its rows" : kGoroutineMissing);
  ctx.report().add(std::move(t));
}

void add_costs_chart(LessonContext& ctx, const SwitchCosts& c) {
  const double call = median(c.y.call);
  report::BarChart chart{
      "switch_costs_chart", "One operation, per switch where it switches", "ns", true, {}};
  auto bar = [&](const std::string& label, double ns) {
    chart.bars.push_back(
        {label, ns, fmt::format("{}  ({} calls)", format_ns(ns), format_number(ns / call))});
  };
  bar("function call", call);
  bar("syscall(getppid)", median(c.y.getppid));
  for (const auto& f : c.figures) {
    bar(fmt::format("{} switch, {}", f.partners == Partners::threads ? "thread" : "process",
                    os::to_string(f.transport)),
        median(f.minus_baseline));
  }
  if (c.goroutine && !c.goroutine->yield_switch_ns.empty()) {
    bar("goroutine switch", median(c.goroutine->yield_switch_ns));
  }
  if (c.goroutine && !c.goroutine->channel_handoff_ns.empty()) {
    bar("goroutine channel hand-off", median(c.goroutine->channel_handoff_ns));
  }
  ctx.report().add(std::move(chart));
}

std::string goroutine_text(const SwitchCosts& c) {
  if (!c.goroutine || c.goroutine->yield_switch_ns.empty()) {
    return kGoroutineMissing;
  }
  return format_ns(median(c.goroutine->yield_switch_ns));
}

}  // namespace

Trust check_trust(const PingPongFigure& f, int cpu) {
  const double voluntary = median(f.voluntary);
  const double involuntary = median(f.involuntary);
  const double share = median(f.cpu_share);
  if (!f.on_cpu) {
    return {false, fmt::format("{}: a side was not running on CPU {} after pinning",
                               f.short_label(), cpu)};
  }
  if (!os::switch_count_plausible(voluntary, involuntary)) {
    return {false,
            fmt::format("{}: {} voluntary + {} involuntary switches per round trip, not "
                        "2 with at least {} voluntary",
                        f.short_label(), format_number(voluntary), format_number(involuntary),
                        format_number(os::kMinVoluntaryPerRoundTrip))};
  }
  if (share < os::kMinPairCpuShare) {
    return {false, fmt::format("{}: the pair used only {} of CPU {}'s time: other tasks ran "
                               "there during the timing",
                               f.short_label(), format_percent(share), cpu)};
  }
  return {};
}

void report_switch_costs(LessonContext& ctx, const SwitchCosts& costs) {
  record_yardsticks(ctx, costs.y);
  record_round_trips(ctx, costs.figures);
  if (costs.goroutine) {
    record_goroutine(ctx, *costs.goroutine);
  }
  add_costs_table(ctx, costs);
  add_costs_chart(ctx, costs);
}

void explain_thread_saving(LessonContext& ctx, const SwitchCosts& costs) {
  const double call = median(costs.y.call);
  // Laid out by hand (an indented block), so kept within 80 columns.
  std::string lines = fmt::format("  {:<5}  {:>9}    {:>9}    {:>9}\n", "", "process", "thread",
                                  "saved per switch");
  for (auto t : {Transport::futex, Transport::pipe}) {
    const double th = costs.per_switch(t, Partners::threads);
    const double pr = costs.per_switch(t, Partners::processes);
    lines += fmt::format("  {:<5}  {:>9}  − {:>9}  = {:>9} ({} of the process switch)\n",
                         os::to_string(t), format_ns(pr), format_ns(th), format_ns(pr - th),
                         format_percent(pr > 0 ? (pr - th) / pr : 0));
  }
  const double th = costs.per_switch(Transport::futex, Partners::threads);
  const auto xsave = xsave_area_bytes();
  const std::string context_size =
      xsave ? fmt::format("on this CPU the saved register state is {} bytes (CPUID leaf 0xD)",
                          format_number(*xsave))
            : std::string("a few kilobytes at most");
  ctx.explain(
      "What a thread switch saves (C16)",
      fmt::format(
          "Both ping-pongs make the same system calls and the same number of switches. The "
          "only extra work between two processes is the address space: the kernel loads the "
          "other process's page-table root (CR3 on x86) and the TLB entries of the old one "
          "stop serving (flushed, or set aside when the CPU tags them with PCID/ASID). The "
          "measured difference is that part:\n\n{}\n"
          "What a thread switch still pays, {} over a futex ({} function calls, {} bare "
          "system calls), is the way through the kernel: entering it, the scheduler choosing "
          "the next task, saving and restoring registers including the FPU/vector state, "
          "changing kernel stacks, returning. The context itself, a program counter, a stack "
          "pointer and the other registers, is small ({}); copying it is not where the time "
          "goes. A switch that stays in user space and changes only those registers is what "
          "goroutines do: goroutine switch: {}.",
          lines, format_ns(th), format_number(th / call),
          format_number(th / median(costs.y.getppid)), context_size, goroutine_text(costs)));
}

void explain_machine(LessonContext& ctx, const SwitchCosts& costs) {
  const os::SystemInfo& info = ctx.system_info();
  const double syscall = median(costs.y.getppid);
  const double rt = median(costs.figure(Transport::futex, Partners::threads).round_trip);
  const bool pti = info.pti == os::PtiState::on;
  std::string text = fmt::format(
      "On this machine, in this run, a bare system call took {} ({} function calls) and a "
      "thread round trip over a futex {}. ",
      format_ns(syscall), format_number(syscall / median(costs.y.call)), format_ns(rt));
  text += info.hypervisor
              ? "This is a virtual machine (the CPU reports the hypervisor flag): the guest "
                "kernel runs the switch, but timers and interrupts may exit to the hypervisor, "
                "and a vCPU can be descheduled under you (steal time). A page-table change "
                "(CR3 load) exits only under shadow paging; with nested paging (EPT/NPT, any "
                "recent host) it does not, but each TLB miss then walks two levels of page "
                "tables. "
              : "This does not look like a virtual machine (no hypervisor flag). ";
  if (info.pti == os::PtiState::unknown) {
    text += fmt::format(
        "Whether kernel page-table isolation is on is not known here (meltdown: "
        "'{}').\n\n",
        info.meltdown.empty() ? "unreadable" : info.meltdown);
  } else {
    text += pti ? fmt::format(
                      "Kernel page-table isolation is on (meltdown: {}): every system "
                      "call and every interrupt switches page tables on the way in and "
                      "out, and that is part of every figure above.\n\n",
                      info.meltdown)
                : fmt::format(
                      "Kernel page-table isolation is off (meltdown: '{}'): a system "
                      "call does not switch page tables.\n\n",
                      info.meltdown);
  }
  text +=
      "A laptop differs again: no hypervisor, often no PTI, a CPU that changes frequency "
      "(turbo, power saving) between and during runs. Compare figures within one run, as "
      "ratios: absolute numbers from another machine, or from this one an hour ago, are "
      "not comparable.";
  ctx.explain("Why your numbers differ from a laptop's", text);
}

std::optional<unsigned> xsave_area_bytes() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(0xD, 0, &eax, &ebx, &ecx, &edx) != 0 && ebx > 0) {
    return ebx;
  }
#endif
  return std::nullopt;
}

}  // namespace conc::lessons::context_switch
