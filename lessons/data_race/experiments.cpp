// Lesson `data-race`: the thread experiments as the lesson shows them. M is sized from a short
// calibration so that the racy runs take about kRacyBudget together; the fixes get an M of
// their own (see size_m).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "lessons/common/lesson.h"
#include "lessons/data_race/data_race.h"
#include "report/units.h"

namespace conc::lessons::data_race {

namespace {

constexpr double kRacyBudget = 4.0, kRacyBudgetQuick = 0.8;    // seconds, all racy runs
constexpr double kFixesBudget = 2.0, kFixesBudgetQuick = 0.5;  // seconds, all fixes' runs
constexpr std::int64_t kCalibrationM = 100'000;
constexpr std::int64_t kMinM = 10'000, kMaxM = 200'000'000;
constexpr std::array kFixes = {Variant::mutex, Variant::atomic_add, Variant::per_thread};

double run_seconds(Variant v, const CounterSetup& s) {
  return std::max(run_counter(v, s).seconds, 1e-6);
}

struct Sizes {
  std::int64_t racy = 0;   // M of the racy runs
  std::int64_t fixes = 0;  // M of the fixes
};

// M for the racy runs (free and pinned) to take about kRacyBudget together, and M for the
// fixes to fit kFixesBudget: a mutex costs tens of times what the racy increment costs, so one
// M for both would make the racy runs too short to interleave or the fixes too long.
Sizes size_m(LessonContext& ctx, int threads, int runs) {
  CounterSetup s{threads, kCalibrationM, -1};
  const double free_s = run_seconds(Variant::racy, s);
  double fixes_s = 0;
  for (const auto v : kFixes) {
    fixes_s += run_seconds(v, s);
  }
  s.pin_cpu = ctx.cpu();
  const double pinned_s = run_seconds(Variant::racy, s);
  const double racy_per_m = runs * (free_s + pinned_s) / kCalibrationM;
  const double fixes_per_m = runs * fixes_s / kCalibrationM;
  auto clamp = [](double m) { return std::clamp(static_cast<std::int64_t>(m), kMinM, kMaxM); };
  return {clamp(ctx.size(kRacyBudget, kRacyBudgetQuick) / racy_per_m),
          clamp(ctx.size(kFixesBudget, kFixesBudgetQuick) / fixes_per_m)};
}

std::vector<CounterRun> repeat(Variant v, const CounterSetup& s, int runs) {
  std::vector<CounterRun> out;
  for (int r = 0; r < runs; ++r) {
    LessonContext::check_interrupted();
    out.push_back(run_counter(v, s));
  }
  return out;
}

double lost_fraction(const CounterRun& r) {
  return r.expected > 0 ? static_cast<double>(r.lost()) / static_cast<double>(r.expected) : 0;
}

void race_table(LessonContext& ctx, const RaceView& race, int threads, std::int64_t m) {
  const std::int64_t expected = threads * m;
  report::Table t{
      "racy_runs",
      fmt::format("The racy counter, run by run (expected {} each run)",
                  report::format_count(expected)),
      {"run", "free: lost", "lost %", "rollbacks", "1 CPU: lost", "lost %", "rollbacks"},
      {},
      ""};
  for (std::size_t i = 0; i < race.free_runs.size() && i < race.pinned_runs.size(); ++i) {
    const auto& f = race.free_runs[i];
    const auto& p = race.pinned_runs[i];
    auto lost_cell = [](const CounterRun& r) {
      return r.lost() == 0 ? report::Value(std::string("0 lucky"))
                           : report::Value(static_cast<std::int64_t>(r.lost()));
    };
    t.rows.push_back({static_cast<std::int64_t>(i + 1), lost_cell(f),
                      report::format_percent(lost_fraction(f)), f.rollbacks, lost_cell(p),
                      report::format_percent(lost_fraction(p)), p.rollbacks});
  }
  t.note = fmt::format(
      "free: the {} threads run where the scheduler puts them ({} CPUs allowed); 1 CPU: all "
      "pinned to CPU {}. 'lucky' marks a run that lost nothing: the race was there, it did not "
      "strike. A rollback (a loss event seen) is a thread finding the counter lower than it had "
      "left it, or a final value below a thread's last write: a thread paused between its load "
      "and its store wrote back a stale value, erasing what was done meanwhile. Collisions "
      "(both read the same value, one update lost) leave no trace, and a rollback a later "
      "rollback covers is not seen: the count is a lower bound.",
      threads, race.cpus, ctx.cpu());
  ctx.report().add(std::move(t));
}

void lost_measurements(LessonContext& ctx, const RaceView& race) {
  for (const auto& [id, label, runs] :
       {std::tuple{"racy_free_lost_percent", "updates lost, threads free", &race.free_runs},
        std::tuple{"racy_pinned_lost_percent", "updates lost, threads on one CPU",
                   &race.pinned_runs}}) {
    std::vector<double> samples;
    for (const auto& r : *runs) {
      samples.push_back(100 * lost_fraction(r));
    }
    ctx.measure(id, label, "%", samples, "(expected - final counter) / expected, one per run");
  }
}

void fixes_table(LessonContext& ctx, const RaceView& race, const std::vector<FixView>& fixes,
                 int threads, std::int64_t m) {
  report::Table t{"fixes",
                  "The fixes, over the same runs, and what one increment costs",
                  {"variant", "runs exact", "worst lost", "ns per increment"},
                  {},
                  ""};
  auto row = [&](const std::string& name, const std::vector<CounterRun>& runs) {
    std::int64_t exact = 0, worst = 0;
    std::vector<double> ns;
    for (const auto& r : runs) {
      exact += r.lost() == 0 ? 1 : 0;
      worst = std::max(worst, r.lost());
      ns.push_back(r.expected > 0 ? r.seconds * 1e9 / static_cast<double>(r.expected) : 0);
    }
    const double median_ns = report::median(ns);
    t.rows.push_back({name, fmt::format("{} of {}", exact, runs.size()), worst, median_ns});
    return median_ns;
  };
  row(variant_name(Variant::racy), race.free_runs);
  for (const auto& f : fixes) {
    row(f.name, f.runs);
  }
  t.note = fmt::format(
      "{} threads, free; the fixes add {} times per thread (fewer than the racy runs, to fit "
      "the time: a locked increment costs many racy ones). ns per increment: the run's wall time "
      "divided by all increments of "
      "all threads (median over the runs), thread start-up excluded. The mutex makes each "
      "increment wait its turn; fetch_add does the read-modify-write as one indivisible step "
      "(a locked instruction on x86); per-thread counters share nothing until the end.",
      threads, report::format_count(m));
  ctx.report().add(std::move(t));
}

}  // namespace

void thread_experiments(LessonContext& ctx, int threads, int runs, RaceView& race,
                        std::vector<FixView>& fixes) {
  ctx.progress("data-race: sizing the runs");
  const auto sizes = size_m(ctx, threads, runs);
  const std::int64_t m = sizes.racy;
  ctx.explain(
      "The race",
      fmt::format(
          "{} threads each add 1 to one shared counter, {} times. The increment is two steps: "
          "read the counter (a relaxed atomic load), then write the value plus one (a separate "
          "relaxed atomic store). If another thread writes between the two, its update is "
          "overwritten: lost. This is exactly what `counter++` on a plain int does between "
          "CPUs, but a plain int shared this way is undefined behaviour in C++ (the compiler "
          "may keep it in a register and add {} at once), so the lesson uses relaxed atomics: "
          "each step is well defined, the pair is not indivisible. Each variant runs {} times.",
          threads, report::format_count(m), report::format_count(m), runs));
  ctx.predict({"racy_free_lost_percent",
               fmt::format("{} threads on several CPUs each add 1 to the shared counter {} times. "
                           "What share of the updates is lost?",
                           threads, report::format_count(m)),
               "updates lost, threads free", "%", 0, 100, median_of("racy_free_lost_percent")});
  ctx.progress("data-race: the racy counter, free and on one CPU");
  race.free_runs = repeat(Variant::racy, {threads, m, -1}, runs);
  race.pinned_runs = repeat(Variant::racy, {threads, m, ctx.cpu()}, runs);
  race_table(ctx, race, threads, m);
  lost_measurements(ctx, race);
  ctx.explain(
      "Parallel against interleaved",
      "On several CPUs the threads collide all the time: both read the same value and one "
      "update is lost, thousands of times per run. On one CPU only one thread runs at a time, "
      "so an update is lost only when the scheduler preempts a thread between its load and "
      "its store, at most once per time slice. But that one preemption is costly: when the "
      "thread resumes it stores its stale value and erases everything the other threads did "
      "during its whole pause. Parallelism makes races constant; concurrency alone makes "
      "them rare and large, and a run may lose nothing at all.");
  ctx.progress("data-race: the fixes");
  for (const auto v : kFixes) {
    fixes.push_back({variant_name(v), repeat(v, {threads, sizes.fixes, -1}, runs)});
  }
  fixes_table(ctx, race, fixes, threads, sizes.fixes);
}

}  // namespace conc::lessons::data_race
