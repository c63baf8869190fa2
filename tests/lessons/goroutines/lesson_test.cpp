#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "runtime/runtime.h"

using namespace conc;

TEST_SUITE("lesson goroutines") {
  TEST_CASE("the live lesson: herds, stack growth, calls, switches, M:N, a blocked worker") {
    const auto r = lessons::run_lesson_with_args(
        "goroutines", {"--quick", "--count", "2000", "--threads", "50", "--workers", "2"});
    const auto* many = find_table(r, "many");
    REQUIRE(many != nullptr);
    REQUIRE(many->rows.size() == 4);
    CHECK(std::get<std::int64_t>(many->rows[0][1]) == 2000);
    CHECK(std::get<std::int64_t>(many->rows[3][1]) == 50);
    const auto* growth = find_table(r, "stack_growth");
    REQUIRE(growth != nullptr);
    CHECK(growth->rows.size() == 5);
    for (const char* id :
         {"rss_per_goroutine", "rss_per_goroutine_compact", "ns_per_spawn", "call_ns_plain",
          "call_ns_checked", "goroutine_switch_ns", "thread_switch_ns", "rss_per_thread"}) {
      CHECK_MESSAGE(r.find_measurement(id) != nullptr, id);
    }
    const auto* workers = find_table(r, "workers");
    REQUIRE(workers != nullptr);
    CHECK(workers->rows.size() == 2);
    REQUIRE(find_table(r, "which_worker") != nullptr);
    CHECK(find_table(r, "which_worker")->rows.size() == 16);
    const auto* blocking = find_table(r, "blocking");
    REQUIRE(blocking != nullptr);
    CHECK(blocking->rows.size() == 3);
    // The blocking syscall on the only worker was reported as a stall.
    CHECK(std::get<std::int64_t>(blocking->rows[0][3]) >= 1);
    CHECK(r.verdicts.size() == 6);
    CHECK(verdicts_last_in_claim_order(r));
    CHECK(rt::stats().live_goroutines == 0);
  }

  TEST_CASE("bad counts are refused") {
    CHECK_THROWS(lessons::run_lesson_with_args("goroutines", {"--quick", "--count", "0"}));
    CHECK_THROWS(lessons::run_lesson_with_args("goroutines", {"--quick", "--workers", "x"}));
  }
}
