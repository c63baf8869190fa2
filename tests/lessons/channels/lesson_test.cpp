#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"

using namespace conc;
using report::Verdict;

TEST_SUITE("lesson channels") {
  TEST_CASE("the live lesson, quick: exact pipelines, Go's rules and messages") {
    const auto r = lessons::run_lesson_with_args("channels", {"--quick", "--items", "3000"});
    for (const char* id :
         {"pipeline_ns_per_item_cap0", "pipeline_ns_per_item_cap1", "pipeline_ns_per_item_cap64",
          "pipeline_ns_per_item_cap1024", "unbuffered_handoff_ns"}) {
      CAPTURE(id);
      const auto* m = r.find_measurement(id);
      REQUIRE(m != nullptr);
      CHECK(m->stats.min > 0);
    }
    const auto* pipeline = find_table(r, "pipeline");
    REQUIRE(pipeline != nullptr);
    REQUIRE(pipeline->rows.size() == 4);
    for (const auto& row : pipeline->rows) {
      CHECK(std::get<std::string>(row.back()) == "3 of 3");
    }
    for (const char* id : {"close_rules", "misuse"}) {
      const auto* t = find_table(r, id);
      REQUIRE(t != nullptr);
      for (const auto& row : t->rows) {
        CAPTURE(std::get<std::string>(row[0]));
        CHECK(std::get<std::string>(row[3]) == "yes");
      }
    }
    const auto* misuse = find_table(r, "misuse");
    REQUIRE(misuse->rows.size() == 3);
    CHECK(std::get<std::string>(misuse->rows[0][2]) == "send on closed channel");
    CHECK(std::get<std::string>(misuse->rows[1][2]) == "close of closed channel");
    CHECK(std::get<std::string>(misuse->rows[2][2]) == "close of nil channel");
    REQUIRE(r.verdicts.size() == 1);
    CHECK(r.verdicts[0].claim == "C32");
    CHECK(r.verdicts[0].verdict == Verdict::confirmed);
    CHECK(verdicts_last_in_claim_order(r));
  }
}
