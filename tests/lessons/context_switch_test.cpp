#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <string>

#include "lessons/context_switch.h"
#include "lessons/lesson.h"

using namespace conc;
using namespace conc::lessons::context_switch;
using report::Verdict;

TEST_SUITE("lesson context-switch") {
  TEST_CASE("C14: a switch worth hundreds of calls is expensive, a handful is not") {
    CHECK(judge_c14(500, 1, 50).verdict == Verdict::confirmed);
    CHECK(judge_c14(50, 1, 50).verdict == Verdict::nuanced);
    CHECK(judge_c14(5, 1, 50).verdict == Verdict::contradicted);
    CHECK(judge_c14(-10, 1, 50).verdict == Verdict::nuanced);  // noise ate the switch
    CHECK_FALSE(judge_c14(500, 1, 50).threshold.empty());
  }

  TEST_CASE("C15: both paths heavier confirms, one path nuances, both lighter contradicts") {
    CHECK(judge_c15(500, 2500, 600, 2000).verdict == Verdict::confirmed);
    CHECK(judge_c15(500, 650, 550, 620).verdict == Verdict::nuanced);
    CHECK(judge_c15(500, 800, 600, 610).verdict == Verdict::nuanced);
    CHECK(judge_c15(500, 300, 600, 400).verdict == Verdict::contradicted);
    CHECK(judge_c15(0, 300, 600, 400).verdict == Verdict::nuanced);
  }

  TEST_CASE("C16: only a cheap user-space switch confirms; no saving contradicts") {
    CHECK(judge_c16(500, 650, 1, std::nullopt).verdict == Verdict::nuanced);
    CHECK(judge_c16(500, 505, 1, std::nullopt).verdict == Verdict::contradicted);
    CHECK(judge_c16(500, 650, 1, 40.0).verdict == Verdict::confirmed);
    CHECK(judge_c16(500, 650, 1, 200.0).verdict == Verdict::nuanced);
    CHECK(judge_c16(500, 505, 1, 40.0).verdict == Verdict::confirmed);
  }

  TEST_CASE("C17: a loss the switches account for confirms; none contradicts") {
    // 50% lost at 800k switches/s = 625 ns per switch, against 650 ns measured: confirmed.
    CHECK(judge_c17(0.5, 800'000, 650, 1.0).verdict == Verdict::confirmed);
    // The same numbers while other tasks took half the CPU from the loop alone: no verdict.
    CHECK(judge_c17(0.5, 800'000, 650, 0.5).verdict == Verdict::nuanced);
    // The same loss with 100x fewer switches: 62.5 µs per switch, not the switches.
    CHECK(judge_c17(0.5, 8'000, 650, 1.0).verdict == Verdict::nuanced);
    CHECK(judge_c17(0.03, 50'000, 650, 1.0).verdict == Verdict::nuanced);
    CHECK(judge_c17(0.01, 800'000, 650, 1.0).verdict == Verdict::contradicted);
  }

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
    // 5 yardsticks, 4 ping-pongs, the goroutine slot.
    REQUIRE(costs.rows.size() == 10);
    CHECK(std::get<std::string>(costs.rows.back()[0]) == "goroutine switch");
    CHECK(costs.note.find("issue 4") != std::string::npos);
    CHECK(r.tables[1].id == "switch_pressure");
    REQUIRE(r.charts.size() == 1);
    CHECK(r.charts[0].log_scale);
    CHECK(r.verdicts.size() == 4);
  }

  TEST_CASE("--iterations is bounded") {
    CHECK_THROWS_AS(lessons::run_lesson_with_args("context-switch", {"--iterations", "10"}),
                    CLI::ValidationError);
  }
}
