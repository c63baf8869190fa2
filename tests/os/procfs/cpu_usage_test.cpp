#include <doctest/doctest.h>

#include "os/procfs/cpu_usage.h"

using namespace conc::os;

namespace {
CpuUsageSnapshot snapshot(std::int64_t t_ns, const std::vector<std::int64_t>& busy_ticks) {
  CpuUsageSnapshot s;
  s.t_ns = t_ns;
  for (auto b : busy_ticks) {
    s.cpus.push_back({b, 0, 0});
  }
  return s;
}
}  // namespace

TEST_SUITE("cpu usage") {
  TEST_CASE("others' share = busy ticks minus our own time, over the interval") {
    // 1 s between the readings, 10 ms ticks: CPU 0 busy 100 ticks (all ours), CPU 1 busy 70
    // ticks of which 10 ms were ours.
    const auto before = snapshot(1'000'000'000, {1000, 5000});
    const auto after = snapshot(2'000'000'000, {1100, 5070});
    const auto loads = others_load(before, after, {0, 1}, {1'000'000'000, 10'000'000}, 1e7);
    REQUIRE(loads.size() == 2);
    CHECK(loads[0].cpu == 0);
    CHECK(loads[0].share == doctest::Approx(0.0));
    CHECK(loads[1].cpu == 1);
    CHECK(loads[1].share == doctest::Approx(0.69));
    const auto top = busiest(loads);
    REQUIRE(top.has_value());
    CHECK(top->cpu == 1);
  }

  TEST_CASE("shares are clamped, unknown CPUs left out, an empty interval gives nothing") {
    const auto before = snapshot(0, {0, 0});
    const auto after = snapshot(100'000'000, {30, 0});  // 300 ms of ticks in 100 ms
    const auto loads = others_load(before, after, {0, 1, 5}, {}, 1e7);
    REQUIRE(loads.size() == 2);
    CHECK(loads[0].share == 1.0);
    CHECK(loads[1].share == 0.0);
    CHECK(others_load(after, after, {0}, {}, 1e7).empty());
    CHECK_FALSE(busiest({}).has_value());
  }

  TEST_CASE("the meter sums short intervals before dividing") {
    // Two 5 ms runs: a 10 ms tick lands in the first only. Run by run that reads 100% then 0%;
    // together, 10 ms of 10 ms busy, of which ours 8 ms: others 20%.
    OtherLoadMeter meter(1e7);
    meter.add(snapshot(0, {0}), snapshot(5'000'000, {1}), {4'000'000});
    meter.add(snapshot(9'000'000, {1}), snapshot(14'000'000, {1}), {4'000'000});
    const auto loads = meter.loads({0, 1});
    REQUIRE(loads.size() == 1);
    CHECK(loads[0].share == doctest::Approx(0.2));
    CHECK(OtherLoadMeter(1e7).loads({0}).empty());
  }

  TEST_CASE("a live snapshot has a time and the CPUs of this machine") {
    const auto s = snapshot_cpu_usage();
    CHECK(s.t_ns > 0);
    CHECK_FALSE(s.cpus.empty());
    CHECK(ns_per_clock_tick() > 0);
  }
}
