#include <doctest/doctest.h>

#include "lessons/data_race/data_race.h"

using namespace conc;
using namespace conc::lessons::data_race;
using report::Verdict;

namespace {
std::vector<CounterRun> runs(std::int64_t expected, const std::vector<std::int64_t>& lost) {
  std::vector<CounterRun> out;
  out.reserve(lost.size());
  for (const auto l : lost) {
    out.push_back({expected, expected - l, 0, 0.2});
  }
  return out;
}
}  // namespace

TEST_SUITE("lesson data-race") {
  TEST_CASE("C23: losses that vary confirm; none on two CPUs contradicts; lucky on one CPU") {
    // A 2-CPU machine where the threads overlap: a different loss every run.
    RaceView two_cpus{runs(1000, {300, 480, 120}), runs(1000, {0, 500, 0}), 2};
    CHECK(judge_c23(two_cpus).verdict == Verdict::confirmed);
    // A 2-CPU machine where the threads never overlapped (each finished within its slice).
    RaceView never{runs(1000, {0, 0, 0}), runs(1000, {0, 0, 0}), 2};
    CHECK(judge_c23(never).verdict == Verdict::contradicted);
    // A 1-CPU container: no preemption fell between a load and a store. Lucky, not disproved.
    RaceView one_cpu{runs(1000, {0, 0}), runs(1000, {0, 0}), 1};
    const auto lucky = judge_c23(one_cpu);
    CHECK(lucky.verdict == Verdict::nuanced);
    CHECK(lucky.because.find("lucky") != std::string::npos);
    // The same loss every run (a deterministic scheduler) is not non-determinism.
    RaceView same{runs(1000, {500, 500}), runs(1000, {500, 500}), 2};
    CHECK(judge_c23(same).verdict == Verdict::nuanced);
    CHECK(judge_c23({}).verdict == Verdict::not_judged);
  }

  TEST_CASE("C24: fixes exact while the race lost confirm; a fix losing contradicts") {
    const RaceView lossy{runs(1000, {300, 480}), runs(1000, {0, 500}), 2};
    const std::vector<FixView> exact = {{"std::mutex", runs(1000, {0, 0})},
                                        {"atomic fetch_add", runs(1000, {0, 0})}};
    CHECK(judge_c24(exact, lossy).verdict == Verdict::confirmed);
    // A broken "fix" (a lock that does not exclude) loses updates.
    auto broken = exact;
    broken[0].runs = runs(1000, {0, 7});
    const auto b = judge_c24(broken, lossy);
    CHECK(b.verdict == Verdict::contradicted);
    CHECK(b.because.find("std::mutex") != std::string::npos);
    // A machine where even the racy runs were lucky: the fixes show no difference.
    const RaceView lucky{runs(1000, {0, 0}), runs(1000, {0, 0}), 2};
    CHECK(judge_c24(exact, lucky).verdict == Verdict::nuanced);
    CHECK(judge_c24({}, lossy).verdict == Verdict::not_judged);
  }

  TEST_CASE("rollbacks: a last write above the final value counts as a loss event") {
    CHECK(rollbacks_in({{2, 100}, {0, 40}}, 100) == 2);
    CHECK(rollbacks_in({{2, 100}, {0, 140}}, 100) == 3);
  }
}
