#include <doctest/doctest.h>

#include <chrono>

#include "os/sys/affinity.h"
#include "os/workloads/switch_pressure.h"

using namespace conc::os;
using namespace std::chrono_literals;

TEST_SUITE("switch pressure") {
  TEST_CASE("pacing plans meet the target with at most the allowed wake-ups") {
    const PacingPlan low = plan_pacing(1'000);
    CHECK(low.periods_per_s == doctest::Approx(250));
    CHECK(low.round_trips == 1);
    CHECK(low.planned_switches_per_s == doctest::Approx(1'000));
    const PacingPlan high = plan_pacing(10'000);
    CHECK(high.periods_per_s == doctest::Approx(kMaxPacerWakeupsPerSecond));
    CHECK(high.round_trips == 4);
    CHECK(high.planned_switches_per_s == doctest::Approx(10'000));
    CHECK(plan_pacing(0).round_trips == 0);
  }

  TEST_CASE("the loop alone does work and the pair uses no CPU") {
    const auto s = run_busy_loop(default_cpu(), 20ms, {});
    CHECK(s.iterations_per_s > 0);
    CHECK(s.loop_cpu_share > 0);
    CHECK(s.pair_cpu_share == 0);
    CHECK(s.window_ns > 0);
  }

  TEST_CASE("a free ping-pong on the same CPU switches and takes CPU time") {
    const auto s = run_busy_loop(default_cpu(), 20ms, {SwitchPressure::Kind::continuous, 0});
    CHECK(s.iterations_per_s > 0);
    CHECK(s.pair_cpu_share > 0);
    CHECK(s.switches_per_s > 0);
  }

  TEST_CASE("a paced pair runs and stops") {
    const auto s = run_busy_loop(default_cpu(), 20ms, {SwitchPressure::Kind::paced, 1'000});
    CHECK(s.iterations_per_s > 0);
    CHECK(s.switches_per_s > 0);
  }

  TEST_CASE("a CPU the process may not use is an error") {
    CHECK_THROWS_AS(run_busy_loop(1023, 5ms, {}), std::runtime_error);
  }
}
