// Lesson `context-switch` (C14-C17): the cost of one context switch on one pinned CPU, by
// two ping-pongs (futex, pipe) between threads and between processes, next to a function call
// and a bare system call; what a thread saves against a process; what switching takes from a
// busy loop on the same CPU (context_switch_pressure.cpp); and, with --reference,
// `perf bench sched pipe` in the same run (context_switch_reference.cpp). This file times the
// switch costs and hands the numbers to the reports (context_switch_costs.cpp) and the
// verdicts (context_switch_verdicts.cpp).

#include "lessons/context_switch/context_switch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "lessons/common/lesson.h"
#include "lessons/common/switch_timing.h"
#include "lessons/context_switch/parts.h"
#include "os/sys/affinity.h"
#include "os/workloads/op_timer.h"
#include "os/workloads/pingpong.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons {

namespace context_switch {

std::string PingPongFigure::key() const {
  return fmt::format("{}_{}", os::to_string(transport), os::to_string(partners));
}
std::string PingPongFigure::label() const {
  return fmt::format("{} ping-pong, {}", partners == os::Partners::threads ? "thread" : "process",
                     os::to_string(transport));
}
std::string PingPongFigure::short_label() const {
  return fmt::format("{}, {}", os::to_string(partners), os::to_string(transport));
}

const PingPongFigure& SwitchCosts::figure(os::Transport t, os::Partners p) const {
  return *std::find_if(figures.begin(), figures.end(), [&](const PingPongFigure& f) {
    return f.transport == t && f.partners == p;
  });
}

double SwitchCosts::per_switch(os::Transport t, os::Partners p) const {
  return report::median(figure(t, p).minus_baseline);
}

}  // namespace context_switch

namespace {

using context_switch::GoroutineSwitches;
using context_switch::PingPongFigure;
using context_switch::SwitchCosts;
using context_switch::Trust;
using context_switch::Yardsticks;
using os::Partners;
using os::Transport;
using report::format_number;
using report::format_percent;
using report::median;

constexpr long kDefaultRoundTrips = 10'000;
constexpr long kQuickRoundTrips = 2'000;
constexpr long kMinRoundTrips = 1'000;
constexpr long kMaxRoundTrips = 10'000'000;
using context_switch::kCallBatch;
using context_switch::kPairBatch;
using context_switch::kSubBatches;
using context_switch::kSyscallBatch;

template <typename TimeBatch>
double fastest_batch(TimeBatch time_batch, long n) {
  double best = time_batch(n / kSubBatches);
  for (int i = 1; i < kSubBatches; ++i) {
    best = std::min(best, time_batch(n / kSubBatches));
  }
  return best;
}

// The no-switch baseline lmbench would subtract from this ping-pong, in round r.
double baseline_pair(const Yardsticks& y, const PingPongFigure& f, std::size_t r) {
  if (f.transport == Transport::pipe) {
    return y.pipe_pair[r];
  }
  return f.partners == Partners::threads ? y.futex_private[r] : y.futex_shared[r];
}

// The runtime's user-space switches, `rounds` times on ctx.cpu(): a yield switch between two
// goroutines on one worker, and a hand-off over an unbuffered channel (half a ping-pong round
// trip). The runtime's worker thread inherits this thread's pin, so the goroutines run on the
// same CPU as the kernel ping-pongs. Everything else (measurements, the table's rows, the
// chart's bars, C16 and C33) reads what this returns.
std::optional<GoroutineSwitches> time_goroutine_switches(LessonContext& ctx, int rounds) {
  const std::int64_t yields = ctx.size<std::int64_t>(200'000, 50'000);
  const std::int64_t round_trips = ctx.size<std::int64_t>(100'000, 25'000);
  GoroutineSwitches g;
  const os::ScopedPin pin(ctx.cpu(), ctx.allowed_cpus());
  for (int r = 0; r < rounds; ++r) {
    LessonContext::check_interrupted();
    g.yield_switch_ns.push_back(lessons::measure_yield_switch_ns(yields));
    g.channel_handoff_ns.push_back(lessons::measure_chan_round_trip_ns(round_trips, 1) / 2);
  }
  g.method = fmt::format(
      "conc::rt on one worker thread pinned to CPU {}: two goroutines call yield() {} times in "
      "all (per switch = wall time ÷ yields), or bounce a value over two unbuffered channels {} "
      "times (per hand-off = round trip ÷ 2); an untimed warm-up of a tenth first; one sample "
      "per round",
      ctx.cpu(), report::format_count(yields), report::format_count(round_trips));
  return g;
}

class ContextSwitchLesson final : public Lesson {
 public:
  std::string_view name() const override { return "context-switch"; }
  std::string_view title() const override {
    return "What a context switch costs, and what it takes from your program";
  }
  std::vector<std::string_view> claims() const override {
    return {"C14", "C15", "C16", "C17", "C33"};
  }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--iterations", iterations_,
                   fmt::format("Ping-pong round trips per repetition (default {}, {} with --quick)",
                               kDefaultRoundTrips, kQuickRoundTrips))
        ->type_name("N")
        ->check(whole_number(kMinRoundTrips, kMaxRoundTrips));
    cmd.add_flag("--full", full_,
                 "Time the ring of tasks (lat_ctx) with 7 repetitions instead of 3, and with "
                 "32 tasks too");
    cmd.add_flag("--reference", reference_,
                 "Also run `perf bench sched pipe` pinned to the same CPU, in the same run");
  }
  void run(LessonContext& ctx) override;

 private:
  void explain_claims(LessonContext& ctx);
  void explain_method(LessonContext& ctx, long round_trips, int rounds);
  void time_switch_costs(LessonContext& ctx, long round_trips, int rounds);
  void time_yardsticks(LessonContext& ctx);
  void time_pingpongs(LessonContext& ctx, long round_trips, int round);
  void judge(LessonContext& ctx, bool pressure_ran);
  context_switch::C15Path c15_path(Transport t) const;

  long iterations_ = 0;  // 0: the lesson's default
  bool reference_ = false;
  bool full_ = false;
  SwitchCosts costs_;
  context_switch::PressureOutcome pressure_;
};

void ContextSwitchLesson::run(LessonContext& ctx) {
  const long round_trips =
      iterations_ > 0 ? iterations_ : ctx.size(kDefaultRoundTrips, kQuickRoundTrips);
  const int rounds = ctx.repeats(7, 3);
  explain_claims(ctx);
  // The headline, as a part (--step may skip it or run it again): the method's section first,
  // then the ping-pongs while the class reads it.
  const bool costs_ran = ctx.part([&] { time_switch_costs(ctx, round_trips, rounds); });
  LessonContext::check_interrupted();
  // The ring's section reads its results, so the pause before it names it in a line.
  ctx.part("rings of 2-16 threads and processes on one CPU (lat_ctx)",
           [&] { context_switch::measure_switch_ring(ctx, full_); });
  LessonContext::check_interrupted();
  const bool pressure_ran = ctx.part([&] {
    ctx.progress("context-switch: a busy loop's work under forced switches");
    pressure_ = context_switch::measure_switch_pressure(ctx);
  });
  LessonContext::check_interrupted();
  if (!costs_ran) {
    return;  // every verdict below rests on the switch costs
  }
  const Yardsticks& y = costs_.y;
  context_switch::compare_with_perf(
      ctx, reference_,
      {median(costs_.figure(Transport::pipe, Partners::threads).round_trip),
       median(costs_.figure(Transport::pipe, Partners::processes).round_trip), median(y.pipe_pair),
       median(y.getppid)});
  context_switch::explain_machine(ctx, costs_);
  judge(ctx, pressure_ran);
}

void ContextSwitchLesson::time_switch_costs(LessonContext& ctx, long round_trips, int rounds) {
  explain_method(ctx, round_trips, rounds);
  costs_ = {};
  for (auto t : {Transport::futex, Transport::pipe}) {
    for (auto p : {Partners::threads, Partners::processes}) {
      costs_.figures.push_back(PingPongFigure{t, p, {}, {}, {}, {}, {}, {}, true});
    }
  }
  ctx.predict({"process_over_thread_switch",
               "Two processes pass the turn back and forth over a futex, then two threads do "
               "the same. How many times longer is the processes' round trip?",
               "process ÷ thread round trip", "×", 0.1, 1000,
               ratio_of("round_trip_futex_processes_ns", "round_trip_futex_threads_ns")});
  ctx.progress(
      fmt::format("context-switch: futex and pipe ping-pongs, threads and processes, "
                  "{} rounds",
                  rounds));
  for (int r = 0; r < rounds; ++r) {
    ctx.progress_step(r, rounds);
    LessonContext::check_interrupted();
    time_yardsticks(ctx);
    time_pingpongs(ctx, round_trips, r);
  }
  ctx.progress("context-switch: goroutine switches on one worker");
  costs_.goroutine = time_goroutine_switches(ctx, rounds);
  context_switch::report_switch_costs(ctx, costs_);
  context_switch::explain_thread_saving(ctx, costs_);
  context_switch::add_process_switch_determinants(ctx, costs_);
}

void ContextSwitchLesson::explain_claims(LessonContext& ctx) {
  ctx.explain("The claims",
              "The notes say that switching the CPU from one task to another is expensive "
              "(C14); that switching between processes costs more than switching between "
              "threads, because a process carries more context, above all its own address "
              "space (C15); that a thread's context is light: a program counter, registers "
              "and a stack (C16); and that while the CPU switches, it is not running your "
              "program (C17). This lesson times each of them on one CPU of this machine.");
}

void ContextSwitchLesson::explain_method(LessonContext& ctx, long round_trips, int rounds) {
  ctx.explain(
      "How it is measured",
      fmt::format(
          "Two tasks pinned to CPU {cpu} hand a token back and forth: through a futex word in "
          "shared memory and through a pair of pipes, as two threads of one process and as "
          "two child processes. A hand-off wakes the other task and, with nobody else to run "
          "on that CPU, forces a switch: one round trip = 2 switches + 4 system calls. Each "
          "ping-pong warms up for {warm} round trips, then times {n}.\n\n"
          "Both tasks count their context switches (getrusage), voluntary (the task blocked) "
          "and involuntary (it was preempted) apart, and their CPU time. A figure is trusted "
          "only with {lo}–{hi} switches per round trip of which at least {vol} voluntary (a "
          "side really blocked in each round trip; a pair that never blocked would show "
          "preemptions only), and with the pair using at least {share} of the CPU's time "
          "(else other tasks ran on CPU {cpu} and their time is in the round trip).\n\n"
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
          fmt::arg("vol", format_number(os::kMinVoluntaryPerRoundTrip)),
          fmt::arg("share", format_percent(os::kMinPairCpuShare)), fmt::arg("rounds", rounds)));
}

void ContextSwitchLesson::time_yardsticks(LessonContext& ctx) {
  // On the ping-pong's CPU, like the ping-pongs; unpinned again before they start, so that
  // this thread, their supervisor, does not wake up on the CPU they measure.
  const os::ScopedPin pinned(ctx.cpu(), ctx.allowed_cpus());
  Yardsticks& y = costs_.y;
  y.call.push_back(fastest_batch([](long n) { return os::time_function_calls(n); }, kCallBatch));
  y.getppid.push_back(fastest_batch([](long n) { return os::time_getppid(n); }, kSyscallBatch));
  y.pipe_pair.push_back(
      fastest_batch([](long n) { return os::time_pipe_self_pair(n); }, kPairBatch));
  y.futex_private.push_back(fastest_batch(
      [](long n) { return os::time_futex_self_pair(n, os::FutexScope::process_private); },
      kPairBatch));
  y.futex_shared.push_back(fastest_batch(
      [](long n) { return os::time_futex_self_pair(n, os::FutexScope::shared); }, kPairBatch));
}

void ContextSwitchLesson::time_pingpongs(LessonContext& ctx, long round_trips, int round) {
  auto& figures = costs_.figures;
  const auto r = static_cast<std::size_t>(round);
  for (std::size_t i = 0; i < figures.size(); ++i) {
    LessonContext::check_interrupted();
    // Alternate the order round by round: no figure always runs right after a fork.
    PingPongFigure& f = figures[round % 2 == 0 ? i : figures.size() - 1 - i];
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
    f.voluntary.push_back(rep.voluntary_per_round_trip);
    f.involuntary.push_back(rep.involuntary_per_round_trip);
    f.cpu_share.push_back(rep.cpu_share);
    f.minus_syscalls.push_back(os::per_switch_ns(rep.round_trip_ns, 4 * costs_.y.getppid[r]));
    f.minus_baseline.push_back(
        os::per_switch_ns(rep.round_trip_ns, 2 * baseline_pair(costs_.y, f, r)));
  }
}

// One path of C15: the per-switch medians, and process ÷ thread round by round (both timed in
// the same round; rounds where noise left a figure at or below zero are left out).
context_switch::C15Path ContextSwitchLesson::c15_path(Transport t) const {
  const PingPongFigure& th = costs_.figure(t, Partners::threads);
  const PingPongFigure& pr = costs_.figure(t, Partners::processes);
  std::vector<double> ratios;
  for (std::size_t r = 0; r < th.minus_baseline.size(); ++r) {
    if (th.minus_baseline[r] > 0 && pr.minus_baseline[r] > 0) {
      ratios.push_back(pr.minus_baseline[r] / th.minus_baseline[r]);
    }
  }
  const report::Stats s = report::summarize(ratios);
  return {costs_.per_switch(t, Partners::threads), costs_.per_switch(t, Partners::processes), s.p10,
          s.p90};
}

// The verdicts, once the switch costs were measured; C17 also needs the busy loop's part.
void ContextSwitchLesson::judge(LessonContext& ctx, bool pressure_ran) {
  namespace v = context_switch;
  const int cpu = ctx.cpu();
  const auto& futex_threads = costs_.figure(Transport::futex, Partners::threads);
  const Trust futex_threads_trust = v::check_trust(futex_threads, cpu);
  const Trust futex_trust =
      v::both(futex_threads_trust,
              v::check_trust(costs_.figure(Transport::futex, Partners::processes), cpu));
  const Trust pipe_trust =
      v::both(v::check_trust(costs_.figure(Transport::pipe, Partners::threads), cpu),
              v::check_trust(costs_.figure(Transport::pipe, Partners::processes), cpu));
  const double cheapest =
      std::min(median(futex_threads.minus_baseline), median(futex_threads.minus_syscalls));
  ctx.verdict(
      v::judge_c14(cheapest, median(costs_.y.call), median(costs_.y.getppid), futex_threads_trust));
  ctx.verdict(v::judge_c15(c15_path(Transport::futex), c15_path(Transport::pipe),
                           v::both(futex_trust, pipe_trust)));
  std::optional<double> user_switch;
  if (costs_.goroutine && !costs_.goroutine->yield_switch_ns.empty()) {
    user_switch = median(costs_.goroutine->yield_switch_ns);
  }
  ctx.verdict(v::judge_c16(costs_.per_switch(Transport::futex, Partners::threads),
                           costs_.per_switch(Transport::futex, Partners::processes),
                           v::xsave_area_bytes(), futex_trust));
  if (pressure_ran) {
    ctx.verdict(
        v::judge_c17(pressure_.paced, median(futex_threads.round_trip) / 2, futex_threads_trust));
  }
  ctx.verdict(v::judge_c33(costs_.per_switch(Transport::futex, Partners::threads),
                           costs_.per_switch(Transport::futex, Partners::processes), user_switch,
                           futex_trust));
}

}  // namespace

std::unique_ptr<Lesson> make_context_switch_lesson() {
  return std::make_unique<ContextSwitchLesson>();
}

}  // namespace conc::lessons
