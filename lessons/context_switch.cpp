// Lesson `context-switch` (C14-C17): the cost of one context switch on one pinned CPU, by
// two ping-pongs (futex, pipe) between threads and between processes, next to a function call
// and a bare system call; what a thread saves against a process; what switching takes from a
// busy loop on the same CPU (context_switch_pressure.cpp); and, with --reference,
// `perf bench sched pipe` in the same run (context_switch_reference.cpp).

#include "lessons/context_switch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "lessons/context_switch_parts.h"
#include "lessons/lesson.h"
#include "os/affinity.h"
#include "os/op_timer.h"
#include "os/pingpong.h"
#include "os/sysinfo.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using context_switch::median;
using context_switch::plus_minus;
using os::Partners;
using os::Transport;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::format_ratio;

constexpr long kDefaultRoundTrips = 10'000;
constexpr long kQuickRoundTrips = 2'000;
constexpr long kMinRoundTrips = 1'000;
constexpr long kMaxRoundTrips = 10'000'000;
// Batch sizes of the yardsticks: each batch is one sample, about a millisecond or more.
constexpr long kCallBatch = 1'000'000;
constexpr long kSyscallBatch = 20'000;
constexpr long kPairBatch = 10'000;

// a ÷ b, or "n/a" when either is not positive (a subtraction that noise turned negative).
std::string ratio_text(double a, double b) {
  return a > 0 && b > 0 ? format_ratio(a / b) : std::string("n/a");
}
// One yardstick sample: the fastest of kSubBatches batches of n / kSubBatches operations. A
// preemption or an interrupt only ever adds time, and a short batch is less likely to be hit,
// so the fastest batch is the operation's own cost (lmbench reports minimums for this reason).
constexpr int kSubBatches = 5;
template <typename TimeBatch>
double fastest_batch(TimeBatch time_batch, long n) {
  double best = time_batch(n / kSubBatches);
  for (int i = 1; i < kSubBatches; ++i) {
    best = std::min(best, time_batch(n / kSubBatches));
  }
  return best;
}

// The yardsticks, one sample per round.
struct Yardsticks {
  std::vector<double> call, getppid, pipe_pair, futex_private, futex_shared;
};

struct PingPongFigure {
  Transport transport;
  Partners partners;
  std::vector<double> round_trip, switches, involuntary, cpu_share, minus_syscalls, minus_baseline;
  bool on_cpu = true;

  std::string key() const {
    return fmt::format("{}_{}", os::to_string(transport), os::to_string(partners));
  }
  std::string label() const {
    return fmt::format("{} ping-pong, {}", partners == Partners::threads ? "thread" : "process",
                       os::to_string(transport));
  }
  std::string short_label() const {
    return fmt::format("{}, {}", os::to_string(partners), os::to_string(transport));
  }
};

// The no-switch baseline lmbench would subtract from this ping-pong, in round r.
double baseline_pair(const Yardsticks& y, const PingPongFigure& f, std::size_t r) {
  if (f.transport == Transport::pipe) {
    return y.pipe_pair[r];
  }
  return f.partners == Partners::threads ? y.futex_private[r] : y.futex_shared[r];
}

// The slot for the runtime's user-space switch. Issue 4 (the goroutine runtime) fills it
// with a measured goroutine switch; until then there is no figure, and C16 says so.
std::optional<double> goroutine_switch_ns() {
  return std::nullopt;
}
constexpr const char* kGoroutineMissing = "not available yet (the runtime lands in issue 4)";

class ContextSwitchLesson final : public Lesson {
 public:
  std::string_view name() const override { return "context-switch"; }
  std::string_view title() const override {
    return "What a context switch costs, and what it takes from your program";
  }
  std::vector<std::string_view> claims() const override { return {"C14", "C15", "C16", "C17"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option(
           "--iterations", iterations_,
           fmt::format("Ping-pong round trips per repetition ({}-{}; default {}, {} "
                       "with --quick)",
                       kMinRoundTrips, kMaxRoundTrips, kDefaultRoundTrips, kQuickRoundTrips))
        ->type_name("N")
        ->check(whole_number(kMinRoundTrips, kMaxRoundTrips));
    cmd.add_flag("--reference", reference_,
                 "Also run `perf bench sched pipe` pinned to the same CPU, in the same run");
  }
  void run(LessonContext& ctx) override;

 private:
  void time_everything(LessonContext& ctx, long round_trips, int rounds);
  void report_switch_costs(LessonContext& ctx);
  void explain_thread_saving(LessonContext& ctx);
  void explain_machine(LessonContext& ctx);
  void judge(LessonContext& ctx);

  const PingPongFigure& figure(Transport t, Partners p) const {
    return *std::find_if(figures_.begin(), figures_.end(), [&](const PingPongFigure& f) {
      return f.transport == t && f.partners == p;
    });
  }
  double per_switch(Transport t, Partners p) const { return median(figure(t, p).minus_baseline); }

  long iterations_ = 0;  // 0: the lesson's default
  bool reference_ = false;
  Yardsticks y_;
  std::vector<PingPongFigure> figures_;
  context_switch::PressureOutcome pressure_;
};

void ContextSwitchLesson::run(LessonContext& ctx) {
  const long round_trips =
      iterations_ > 0 ? iterations_ : ctx.size(kDefaultRoundTrips, kQuickRoundTrips);
  const int rounds = ctx.repeats(7, 3);
  ctx.explain("The claims",
              "The notes say that switching the CPU from one task to another is expensive "
              "(C14); that switching between processes costs more than switching between "
              "threads, because a process carries more context, above all its own address "
              "space (C15); that a thread's context is light: a program counter, registers "
              "and a stack (C16); and that while the CPU switches, it is not running your "
              "program (C17). This lesson times each of them on one CPU of this machine.");
  ctx.explain(
      "How it is measured",
      fmt::format(
          "Two tasks pinned to CPU {cpu} hand a token back and forth: through a futex word in "
          "shared memory and through a pair of pipes, as two threads of one process and as "
          "two child processes. A hand-off blocks the sender and, with nobody else to run on "
          "that CPU, forces a switch: one round trip = 2 switches + 4 system calls. Each "
          "ping-pong warms up for {warm} round trips, then times {n}.\n\n"
          "Both tasks count their context switches (getrusage, voluntary + involuntary) and "
          "their CPU time: a figure is trusted only with {lo}–{hi} switches per round trip "
          "and with the pair using at least {share} of the CPU's time (else other tasks ran "
          "on CPU {cpu} and their time is in the round trip).\n\n"
          "What is not the switch is taken out in two ways, both shown: lmbench's, subtract "
          "the same system calls made by one thread that never blocks (a pipe write + read; "
          "a futex wake with no waiter + a wait whose value does not match); and tsuna's, "
          "subtract 4 bare system calls, syscall(SYS_getppid). Per switch = (round trip − "
          "what is subtracted) / 2. These yardsticks are timed on the same CPU, each sample "
          "the fastest of a few short batches: an interruption only ever adds time.\n\n"
          "{rounds} rounds, round-major: every figure is timed once per round, in alternating "
          "order, so a slow drift of the machine hits all figures alike, and each "
          "subtraction uses the baseline timed in the same round. Medians, with p10–p90.",
          fmt::arg("cpu", ctx.cpu()), fmt::arg("warm", format_number(round_trips / 10.0)),
          fmt::arg("n", format_number(static_cast<double>(round_trips))),
          fmt::arg("lo", os::kMinSwitchesPerRoundTrip),
          fmt::arg("hi", os::kMaxSwitchesPerRoundTrip),
          fmt::arg("share", format_percent(os::kMinPairCpuShare)), fmt::arg("rounds", rounds)));
  time_everything(ctx, round_trips, rounds);
  report_switch_costs(ctx);
  explain_thread_saving(ctx);
  LessonContext::check_interrupted();
  pressure_ = context_switch::measure_switch_pressure(ctx);
  LessonContext::check_interrupted();
  context_switch::compare_with_perf(
      ctx, reference_,
      {median(figure(Transport::pipe, Partners::threads).round_trip),
       median(figure(Transport::pipe, Partners::processes).round_trip), median(y_.pipe_pair),
       median(y_.getppid)});
  explain_machine(ctx);
  judge(ctx);
}

void ContextSwitchLesson::time_everything(LessonContext& ctx, long round_trips, int rounds) {
  figures_.clear();
  for (auto t : {Transport::futex, Transport::pipe}) {
    for (auto p : {Partners::threads, Partners::processes}) {
      figures_.push_back(PingPongFigure{t, p, {}, {}, {}, {}, {}, {}, true});
    }
  }
  y_ = {};
  for (int r = 0; r < rounds; ++r) {
    LessonContext::check_interrupted();
    {
      // On the ping-pong's CPU, like the ping-pongs; unpinned again before they start, so
      // that this thread, their supervisor, does not wake up on the CPU they measure.
      const os::ScopedPin pinned(ctx.cpu(), ctx.allowed_cpus());
      y_.call.push_back(
          fastest_batch([](long n) { return os::time_function_calls(n); }, kCallBatch));
      y_.getppid.push_back(
          fastest_batch([](long n) { return os::time_getppid(n); }, kSyscallBatch));
      y_.pipe_pair.push_back(
          fastest_batch([](long n) { return os::time_pipe_self_pair(n); }, kPairBatch));
      y_.futex_private.push_back(fastest_batch(
          [](long n) { return os::time_futex_self_pair(n, os::FutexScope::process_private); },
          kPairBatch));
      y_.futex_shared.push_back(fastest_batch(
          [](long n) { return os::time_futex_self_pair(n, os::FutexScope::shared); }, kPairBatch));
    }
    for (std::size_t i = 0; i < figures_.size(); ++i) {
      LessonContext::check_interrupted();
      // Alternate the order round by round: no figure always runs right after a fork.
      PingPongFigure& f = figures_[r % 2 == 0 ? i : figures_.size() - 1 - i];
      os::PingPongConfig c;
      c.transport = f.transport;
      c.partners = f.partners;
      c.cpu = ctx.cpu();
      c.round_trips = round_trips;
      c.warmup_round_trips = round_trips / 10;
      c.repetitions = 1;
      c.timeout = std::chrono::milliseconds(10'000 + round_trips / 10);
      const os::PingPongResult res = os::run_pingpong(c);
      const os::PingPongRep& rep = res.reps.front();
      f.on_cpu = f.on_cpu && res.both_on_cpu;
      f.round_trip.push_back(rep.round_trip_ns);
      f.switches.push_back(rep.voluntary_per_round_trip);
      f.involuntary.push_back(rep.involuntary_per_round_trip);
      f.cpu_share.push_back(rep.cpu_share);
      const auto ri = static_cast<std::size_t>(r);
      f.minus_syscalls.push_back(os::per_switch_ns(rep.round_trip_ns, 4 * y_.getppid[ri]));
      f.minus_baseline.push_back(
          os::per_switch_ns(rep.round_trip_ns, 2 * baseline_pair(y_, f, ri)));
    }
  }
}

void ContextSwitchLesson::report_switch_costs(LessonContext& ctx) {
  const int cpu = ctx.cpu();
  // Every yardstick sample: pinned to the ping-pongs' CPU, the fastest of kSubBatches batches.
  const std::string sampling =
      fmt::format("; on CPU {}, each sample the fastest of {} batches of", cpu, kSubBatches);
  ctx.measure("function_call_ns", "function call (noinline)", "ns", y_.call,
              fmt::format("a noinline function with a compiler barrier inside, called in a "
                          "loop (the loop's increment is included){} {}",
                          sampling, format_number(kCallBatch / kSubBatches)));
  ctx.measure("syscall_getppid_ns", "bare system call", "ns", y_.getppid,
              fmt::format("syscall(SYS_getppid): a real kernel entry, where clock_gettime "
                          "would stay in the vDSO{} {}",
                          sampling, format_number(kSyscallBatch / kSubBatches)));
  ctx.measure("pipe_pair_ns", "no-switch pair: pipe write + read", "ns", y_.pipe_pair,
              fmt::format("one thread writes 1 byte to a pipe and reads it back; no one "
                          "blocks{} {}",
                          sampling, format_number(kPairBatch / kSubBatches)));
  ctx.measure("futex_pair_private_ns", "no-switch pair: futex wake + wait (private)", "ns",
              y_.futex_private,
              fmt::format("FUTEX_WAKE with no waiter + FUTEX_WAIT on a value the word does "
                          "not hold, private ops as in the thread ping-pong{} {}",
                          sampling, format_number(kPairBatch / kSubBatches)));
  ctx.measure("futex_pair_shared_ns", "no-switch pair: futex wake + wait (shared)", "ns",
              y_.futex_shared,
              fmt::format("the same on a MAP_SHARED page with shared ops, as in the process "
                          "ping-pong{} {}",
                          sampling, format_number(kPairBatch / kSubBatches)));
  for (const auto& f : figures_) {
    auto& m = ctx.measure(
        "round_trip_" + f.key() + "_ns", f.label() + ": round trip", "ns", f.round_trip,
        fmt::format("both {} pinned to CPU {}; A's wall time over the timed round trips",
                    os::to_string(f.partners), cpu));
    const double sw = median(f.switches);
    const double share = median(f.cpu_share);
    if (!f.on_cpu) {
      m.trusted = false;
      m.caveat = fmt::format("a side was not running on CPU {} after pinning", cpu);
    } else if (!os::switch_count_plausible(sw, median(f.involuntary))) {
      m.trusted = false;
      m.caveat = fmt::format("{} switches counted per round trip, not about 2", format_number(sw));
    } else if (share < os::kMinPairCpuShare) {
      m.trusted = false;
      m.caveat = fmt::format(
          "the pair used only {} of CPU {}'s time: other tasks ran there during the timing",
          format_percent(share), cpu);
    }
  }

  const double call = median(y_.call);
  report::Table t{
      "switch_costs",
      fmt::format("Context switch cost on CPU {} (medians of {} round{})", cpu, y_.call.size(),
                  y_.call.size() == 1 ? "" : "s"),
      {"operation", "median", "±", "(a) lmbench", "(b) tsuna", "sw/rt", "÷ call", "proc ÷ thread"},
      {},
      ""};
  const std::string none = "—";
  auto yardstick = [&](const std::string& label, const std::vector<double>& v) {
    const auto st = report::summarize(v);
    t.rows.push_back({label, format_ns(st.median), plus_minus(st), none, none, none,
                      format_ratio(st.median / call), std::string("")});
  };
  yardstick("function call (noinline)", y_.call);
  yardstick("syscall(SYS_getppid)", y_.getppid);
  yardstick("no switch: pipe w+r", y_.pipe_pair);
  yardstick("no switch: futex w+w", y_.futex_private);
  yardstick("no switch: futex, shared", y_.futex_shared);
  for (const auto& f : figures_) {
    const auto rt = report::summarize(f.round_trip);
    const double minus_baseline = median(f.minus_baseline);
    std::string ratio;
    if (f.partners == Partners::processes) {
      const auto& th = figure(f.transport, Partners::threads);
      ratio = fmt::format("{} ({})", ratio_text(minus_baseline, median(th.minus_baseline)),
                          format_ratio(rt.median / median(th.round_trip)));
    }
    t.rows.push_back({f.short_label(), format_ns(rt.median), plus_minus(rt),
                      format_ns(minus_baseline), format_ns(median(f.minus_syscalls)),
                      fmt::format("{:.2f}", median(f.switches)), ratio_text(minus_baseline, call),
                      ratio});
  }
  // The goroutine slot: when issue 4 fills goroutine_switch_ns(), this row shows it.
  const auto user = goroutine_switch_ns();
  t.rows.push_back({std::string("goroutine switch"),
                    user ? format_ns(*user) : std::string("not yet"), std::string(""), none, none,
                    none, user ? format_ratio(*user / call) : none, std::string("")});
  t.note = fmt::format(
      "Rows 3-5 are the no-switch baselines (w+r: write then read; w+w: a wake with no waiter "
      "then a wait that returns at once). For the ping-pongs, 'median' is the round trip as "
      "timed, and per switch = (round trip − subtracted) / 2, where (a) lmbench subtracts the "
      "round trip's own syscalls made without switching (2 × the no-switch pair) and (b) "
      "tsuna subtracts 4 × getppid. sw/rt: context switches counted per round trip. ÷ call "
      "uses (a). proc ÷ thread: per switch by (a), and in brackets the raw round trips, which "
      "need no subtraction. ±: half the p10–p90 range. Goroutine switch: {}.",
      user ? format_ns(*user) : kGoroutineMissing);
  ctx.report().add(std::move(t));

  report::BarChart chart{
      "switch_costs_chart", "One operation, per switch where it switches", "ns", true, {}};
  auto bar = [&](const std::string& label, double ns) {
    chart.bars.push_back(
        {label, ns, fmt::format("{}  ({} calls)", format_ns(ns), format_number(ns / call))});
  };
  bar("function call", call);
  bar("syscall(getppid)", median(y_.getppid));
  for (const auto& f : figures_) {
    bar(fmt::format("{} switch, {}", f.partners == Partners::threads ? "thread" : "process",
                    os::to_string(f.transport)),
        median(f.minus_baseline));
  }
  if (user) {
    bar("goroutine switch", *user);
  }
  ctx.report().add(std::move(chart));
}

void ContextSwitchLesson::explain_thread_saving(LessonContext& ctx) {
  const double call = median(y_.call);
  std::string lines;
  for (auto t : {Transport::futex, Transport::pipe}) {
    const double th = per_switch(t, Partners::threads);
    const double pr = per_switch(t, Partners::processes);
    lines += fmt::format(
        "  {:<5}  process {:>9}  − thread {:>9}  = {:>9} per switch ({} of the "
        "process switch)\n",
        os::to_string(t), format_ns(pr), format_ns(th), format_ns(pr - th),
        format_percent(pr > 0 ? (pr - th) / pr : 0));
  }
  const double th = per_switch(Transport::futex, Partners::threads);
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
          "pointer and the other registers, is at most a few kilobytes even with the vector "
          "registers; copying it is not where the time goes. A switch that stays in user space and "
          "changes only those "
          "registers is what goroutines do: goroutine switch: {}.",
          lines, format_ns(th), format_number(th / call), format_number(th / median(y_.getppid)),
          goroutine_switch_ns() ? format_ns(*goroutine_switch_ns()) : kGoroutineMissing));
}

void ContextSwitchLesson::explain_machine(LessonContext& ctx) {
  const os::SystemInfo info = os::collect_system_info(0);
  const double syscall = median(y_.getppid);
  const bool pti = info.meltdown.find("PTI") != std::string::npos;
  std::string text = fmt::format("A bare system call took {} here. ", format_ns(syscall));
  text += info.hypervisor
              ? "This is a virtual machine (the CPU reports the hypervisor flag): the guest "
                "kernel runs the switch, but timers, interrupts and page-table changes may "
                "exit to the hypervisor, and a vCPU can be descheduled under you (steal "
                "time). "
              : "This does not look like a virtual machine (no hypervisor flag). ";
  text += pti ? fmt::format(
                    "Kernel page-table isolation is on (meltdown: {}): every system call and "
                    "every interrupt switches page tables on the way in and out, which on a "
                    "guest can make a system call cost about a microsecond, and every switch "
                    "pays it several times over. ",
                    info.meltdown)
              : fmt::format(
                    "Kernel page-table isolation is off (meltdown: '{}'), so a "
                    "system call does not switch page tables. On a guest where it is "
                    "forced on, a system call can cost about a microsecond and every "
                    "figure above grows several-fold. ",
                    info.meltdown.empty() ? "unknown" : info.meltdown);
  text +=
      "A laptop differs again: no hypervisor, often no PTI, a CPU that changes frequency "
      "(turbo, power saving) between and during runs. Compare figures within one run, as "
      "ratios: absolute numbers from another machine, or from this one an hour ago, are "
      "not comparable.";
  ctx.explain("Why your numbers differ from a laptop's", text);
}

void ContextSwitchLesson::judge(LessonContext& ctx) {
  namespace v = context_switch;
  const auto& futex_threads = figure(Transport::futex, Partners::threads);
  const double cheapest =
      std::min(median(futex_threads.minus_baseline), median(futex_threads.minus_syscalls));
  ctx.verdict(v::judge_c14(cheapest, median(y_.call), median(y_.getppid)));
  ctx.verdict(v::judge_c15(per_switch(Transport::futex, Partners::threads),
                           per_switch(Transport::futex, Partners::processes),
                           per_switch(Transport::pipe, Partners::threads),
                           per_switch(Transport::pipe, Partners::processes)));
  ctx.verdict(v::judge_c16(per_switch(Transport::futex, Partners::threads),
                           per_switch(Transport::futex, Partners::processes), median(y_.call),
                           goroutine_switch_ns()));
  ctx.verdict(v::judge_c17(pressure_.lost_share_at_max, pressure_.forced_switches_at_max,
                           median(futex_threads.round_trip) / 2, pressure_.alone_cpu_share));
}

}  // namespace

std::unique_ptr<Lesson> make_context_switch_lesson() {
  return std::make_unique<ContextSwitchLesson>();
}

}  // namespace conc::lessons
