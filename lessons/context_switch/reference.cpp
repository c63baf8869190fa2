// Lesson `context-switch`, --reference: `perf bench sched pipe` pinned to the same CPU, run
// alternately with conc-lab's own raw pipe round trip of the same length.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "lessons/context_switch/parts.h"
#include "os/procfs/sysinfo.h"
#include "os/workloads/perf_bench.h"
#include "os/workloads/pingpong.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

namespace {

using os::Partners;
using os::Transport;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::format_ratio;

// Each perf run is sized to take about this long (three runs per kind, a third with --quick),
// and the two tools must agree within the tolerance.
constexpr double kReferenceRunSeconds = 0.33;
constexpr double kReferenceTolerance = 0.25;
constexpr long kMinReferenceLoops = 10'000;
constexpr long kMaxReferenceLoops = 5'000'000;

// One kind of partners, timed by both tools in alternation.
struct ReferenceRuns {
  Partners partners = Partners::threads;
  long loops = 0;
  std::vector<double> perf_ns, ours_ns;
  std::string command, error;
};

// perf's answer, if it ran what was asked: the loop count and the kind it reports must be ours.
void take_perf_run(ReferenceRuns& runs, const os::PerfRun& run) {
  runs.command = run.command;
  if (!run.result) {
    runs.error = run.error;
    return;
  }
  const bool threads = runs.partners == Partners::threads;
  if (run.result->loops != runs.loops || run.result->threads != threads) {
    runs.error = fmt::format(
        "perf reported {} loops between two {}, not the {} between two {} "
        "asked for",
        run.result->loops, run.result->threads ? "threads" : "processes", runs.loops,
        os::to_string(runs.partners));
    return;
  }
  runs.perf_ns.push_back(run.result->usecs_per_op * 1000);
}

ReferenceRuns time_both(const std::string& perf, int cpu, Partners partners, double rt_guess_ns,
                        double run_seconds, int rounds) {
  ReferenceRuns runs;
  runs.partners = partners;
  runs.loops = std::clamp(static_cast<long>(run_seconds * 1e9 / std::max(rt_guess_ns, 1.0)),
                          kMinReferenceLoops, kMaxReferenceLoops);
  // Generous: 20 times the expected run, plus ten seconds for perf to start.
  const auto timeout =
      std::chrono::milliseconds(10'000 + static_cast<long>(runs.loops * rt_guess_ns * 20 / 1e6));
  for (int r = 0; r < rounds; ++r) {
    LessonContext::check_interrupted();
    take_perf_run(runs, os::run_perf_sched_pipe(perf, cpu, runs.loops,
                                                partners == Partners::threads, timeout));
    LessonContext::check_interrupted();
    os::PingPongConfig c;
    c.transport = Transport::pipe;
    c.partners = partners;
    c.cpu = cpu;
    c.round_trips = runs.loops;
    c.warmup_round_trips = runs.loops / 10;
    c.timeout = timeout;
    runs.ours_ns.push_back(os::run_pingpong(c).reps.front().round_trip_ns);
  }
  return runs;
}

// The measurements and the table row for one kind; a warning instead when perf gave nothing.
void report_runs(LessonContext& ctx, report::Table& t, const ReferenceRuns& runs,
                 const ReferenceInputs& in) {
  const std::string kind = os::to_string(runs.partners);
  if (runs.perf_ns.empty()) {
    ctx.warn(fmt::format("perf bench sched pipe ({}) gave no figure: {}", kind, runs.error));
    return;
  }
  const auto p =
      ctx.measure("perf_pipe_" + kind + "_ns", "perf bench sched pipe, " + kind + " (per op)", "ns",
                  runs.perf_ns, fmt::format("{} (one op = one round trip)", runs.command))
          .stats;
  const auto o =
      ctx.measure("reference_pipe_" + kind + "_ns", "conc-lab pipe round trip, " + kind, "ns",
                  runs.ours_ns,
                  fmt::format("the ping-pong timer with {} round trips, each run right after a "
                              "perf run",
                              format_number(static_cast<double>(runs.loops))))
          .stats;
  const double ratio = o.median / p.median;
  t.rows.push_back({kind, format_ns(p.median), plus_minus(p), format_ns(o.median), plus_minus(o),
                    format_ratio(ratio),
                    std::string(std::abs(ratio - 1) <= kReferenceTolerance ? "yes" : "no"),
                    format_ns(os::per_switch_ns(o.median, 2 * in.pipe_pair_ns)),
                    format_ns(os::per_switch_ns(o.median, 4 * in.getppid_ns)),
                    static_cast<std::int64_t>(runs.loops)});
}

// What the reference does, before it runs (on stderr too: it takes a few seconds).
void explain_reference(LessonContext& ctx, int rounds, double run_seconds) {
  ctx.explain(
      "Reference: perf bench sched pipe",
      fmt::format(
          "`perf bench sched pipe` is the kernel developers' own ping-pong: two processes (or "
          "with -T two threads) pass an int over two pipes, and perf prints the mean time per "
          "round trip (usecs/op) with nothing subtracted. conc-lab runs it pinned to CPU {} "
          "as `taskset -c {}` would, {} times per kind, each run sized to about {} s, and "
          "between perf's runs times its own raw pipe round trip with as many loops. Same "
          "operations, same CPU, same minute: the two should agree within ±{}.",
          ctx.cpu(), ctx.cpu(), rounds, format_number(run_seconds),
          format_percent(kReferenceTolerance)));
  ctx.progress(
      fmt::format("context-switch: perf bench sched pipe, {} × 2 runs of about {} s "
                  "each, alternating with conc-lab's own",
                  rounds, format_number(run_seconds)));
}

}  // namespace

void compare_with_perf(LessonContext& ctx, bool enabled, const ReferenceInputs& in) {
  const int cpu = ctx.cpu();
  if (!enabled) {
    ctx.explain("Reference: perf bench sched pipe",
                "Run with --reference to time `perf bench sched pipe` (the kernel developers' "
                "own pipe ping-pong) pinned to the same CPU in the same run, beside the raw "
                "pipe round trips above.");
    return;
  }
  const std::string& perf = ctx.system_info().perf_path;
  if (perf.empty()) {
    ctx.explain("Reference: perf bench sched pipe", os::how_to_install_perf());
    ctx.warn("--reference: " + os::how_to_install_perf());
    return;
  }
  const int rounds = ctx.quick() ? 2 : 3;
  const double run_seconds = kReferenceRunSeconds * (ctx.quick() ? 1.0 / 3 : 1.0);
  explain_reference(ctx, rounds, run_seconds);
  report::Table t{"reference",
                  fmt::format("conc-lab and perf bench sched pipe on CPU {}, interleaved", cpu),
                  {"partners", "perf /op", "±", "conc-lab rt", "±", "÷ perf",
                   fmt::format("±{}", format_percent(kReferenceTolerance)), "(a) lmbench",
                   "(b) tsuna", "loops"},
                  {},
                  ""};
  std::string command;
  for (auto partners : {Partners::processes, Partners::threads}) {
    const double rt_guess =
        partners == Partners::threads ? in.pipe_threads_rt_ns : in.pipe_processes_rt_ns;
    const ReferenceRuns runs = time_both(perf, cpu, partners, rt_guess, run_seconds, rounds);
    command = runs.command;
    report_runs(ctx, t, runs, in);
  }
  t.note = fmt::format(
      "perf /op and conc-lab rt: one round trip (2 switches + 4 pipe syscalls), medians of "
      "the runs. Per switch from conc-lab's round trip: (a) minus 2 × the no-switch pipe "
      "pair, (b) minus 4 × getppid, halved (baselines from the timing above). Last command: "
      "{}",
      command);
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::context_switch
