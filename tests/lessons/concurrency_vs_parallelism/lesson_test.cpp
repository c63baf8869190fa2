#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "report/text_renderer.h"

using namespace conc;

TEST_SUITE("lesson concurrency-vs-parallelism") {
  TEST_CASE("the live lesson: three runs, one result, three timelines") {
    const auto r =
        lessons::run_lesson_with_args("concurrency-vs-parallelism", {"--quick", "--tasks", "3"});
    const auto* modes = find_table(r, "modes");
    const auto* cross = find_table(r, "crossover");
    REQUIRE(modes != nullptr);
    REQUIRE(cross != nullptr);
    REQUIRE(modes->rows.size() == 3);
    const auto result = std::get<std::string>(modes->rows[0].back());
    CHECK(std::get<std::string>(modes->rows[1].back()) == result);
    CHECK(std::get<std::string>(modes->rows[2].back()) == result);
    REQUIRE(r.timelines.size() == 3);
    for (const auto& t : r.timelines) {
      CAPTURE(t.id);
      REQUIRE(t.rows.size() == 3);
      CHECK(t.row_labels.size() == 3);
      for (const auto& row : t.rows) {
        CHECK(report::display_width(row) == report::display_width(t.rows[0]));
      }
    }
    for (const char* id : {"unit_ns", "wall_ns_sequential", "wall_ns_concurrent",
                           "wall_ns_parallel", "cpu_ns_parallel"}) {
      CHECK_MESSAGE(r.find_measurement(id) != nullptr, id);
    }
    CHECK(r.verdicts.size() == 4);
  }

  TEST_CASE("one piece cannot show parallelism: --tasks starts at 2") {
    CHECK_THROWS(
        lessons::run_lesson_with_args("concurrency-vs-parallelism", {"--quick", "--tasks", "1"}));
    CHECK_THROWS(
        lessons::run_lesson_with_args("concurrency-vs-parallelism", {"--quick", "--tasks", "65"}));
  }
}
