#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"

using namespace conc;

TEST_SUITE("lesson waitgroup") {
  TEST_CASE("the live lesson: runs per mode, a histogram, the timeline, the misuses") {
    const auto r = lessons::run_lesson_with_args("waitgroup", {"--quick", "--count", "4"});
    const auto* runs = find_table(r, "runs");
    REQUIRE(runs != nullptr);
    REQUIRE(runs->rows.size() == 5);
    // With a WaitGroup every completed run delivers all 4 lines.
    const auto waited = std::get<std::int64_t>(runs->rows[2][1]);
    CHECK(std::get<std::int64_t>(runs->rows[2][2]) == waited);
    // A buffered FILE thrown away by _exit delivers nothing; flushed, everything.
    CHECK(std::get<std::int64_t>(runs->rows[3][2]) == 0);
    CHECK(std::get<std::int64_t>(runs->rows[4][2]) == std::get<std::int64_t>(runs->rows[4][1]));
    REQUIRE(find_table(r, "histogram") != nullptr);
    const auto* misuse = find_table(r, "misuse");
    REQUIRE(misuse != nullptr);
    REQUIRE(misuse->rows.size() == 3);
    CHECK(std::get<std::string>(misuse->rows[0][1]) == "panic: sync: negative WaitGroup counter");
    CHECK(std::get<std::string>(misuse->rows[2][1]).find("SIGABRT") != std::string::npos);
    REQUIRE(r.timelines.size() == 1);
    CHECK(r.timelines[0].rows.size() == 5);
    CHECK(r.find_measurement("lines_forget") != nullptr);
    REQUIRE(r.verdicts.size() == 2);
    CHECK(r.verdicts[1].verdict != report::Verdict::contradicted);
    CHECK(verdicts_last_in_claim_order(r));
  }

  TEST_CASE("--count is a whole number from 1 to 64") {
    CHECK_THROWS(lessons::run_lesson_with_args("waitgroup", {"--quick", "--count", "0"}));
    CHECK_THROWS(lessons::run_lesson_with_args("waitgroup", {"--quick", "--count", "x"}));
  }
}
