#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>

#include "lessons/common/lesson.h"
#include "lessons/context_switch/context_switch.h"

using namespace conc;

// The lesson run live (its verdict rules: context_switch_verdicts_test.cpp).
TEST_SUITE("lesson context-switch") {
  TEST_CASE("the quick run fills the table, the goroutine slot and every verdict") {
    const auto r =
        lessons::run_lesson_with_args("context-switch", {"--quick", "--iterations", "1000"});
    for (const char* id :
         {"function_call_ns", "syscall_getppid_ns", "pipe_pair_ns", "futex_pair_private_ns",
          "futex_pair_shared_ns", "round_trip_futex_threads_ns", "round_trip_futex_processes_ns",
          "round_trip_pipe_threads_ns", "round_trip_pipe_processes_ns", "busy_loop_alone_per_ns",
          "busy_loop_loss_1k_percent", "busy_loop_loss_10k_percent",
          "busy_loop_loss_max_percent"}) {
      CAPTURE(id);
      const auto* m = r.find_measurement(id);
      REQUIRE(m != nullptr);
      CHECK(m->stats.n > 0);
      CHECK_FALSE(m->method.empty());
    }
    REQUIRE(r.tables.size() >= 2);
    const auto& costs = r.tables[0];
    CHECK(costs.id == "switch_costs");
    // 5 yardsticks, 4 ping-pongs, the runtime's yield switch and channel hand-off.
    REQUIRE(costs.rows.size() == 11);
    CHECK(std::get<std::string>(costs.rows.back()[0]) == "goroutine channel hand-off");
    for (const char* id : {"goroutine_yield_switch_ns", "goroutine_channel_handoff_ns"}) {
      const auto* g = r.find_measurement(id);
      REQUIRE(g != nullptr);
      CHECK(g->stats.median > 0);
    }
    // Voluntary and involuntary switches have a column each.
    const auto& cols = costs.columns;
    CHECK(std::find(cols.begin(), cols.end(), "vol/rt") != cols.end());
    CHECK(std::find(cols.begin(), cols.end(), "inv/rt") != cols.end());
    // An untrusted round trip says why.
    for (const char* id : {"round_trip_futex_threads_ns", "round_trip_pipe_processes_ns"}) {
      const auto* m = r.find_measurement(id);
      REQUIRE(m != nullptr);
      CHECK(m->trusted == m->caveat.empty());
    }
    // Beside C15: its determinants and the lat_ctx ring; then C17's table.
    REQUIRE(r.tables.size() == 4);
    CHECK(r.tables[1].id == "process_switch_determinants");
    CHECK(r.tables[2].id == "switch_ring");
    CHECK(r.tables[2].rows.size() == 4);
    CHECK(r.tables[3].id == "switch_pressure");
    REQUIRE(r.charts.size() == 1);
    CHECK(r.charts[0].log_scale);
    CHECK(r.verdicts.size() == 5);
  }

  TEST_CASE("--iterations is bounded") {
    CHECK_THROWS_AS(lessons::run_lesson_with_args("context-switch", {"--iterations", "10"}),
                    CLI::ValidationError);
  }
}
