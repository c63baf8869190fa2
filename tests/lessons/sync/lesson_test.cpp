#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"

using namespace conc;
using report::Verdict;

TEST_SUITE("lesson sync") {
  TEST_CASE("the live lesson, quick: every guarantee held, Go's misuse messages, C27") {
    const auto r = lessons::run_lesson_with_args("sync", {"--quick", "--goroutines", "2000"});
    for (const char* id :
         {"mutex_ns_per_increment", "rwmutex_ns_per_read", "mutex_ns_per_read",
          "cond_queue_ns_per_item", "once_call_after_done_ns", "waitgroup_add_done_ns"}) {
      CAPTURE(id);
      const auto* m = r.find_measurement(id);
      REQUIRE(m != nullptr);
      CHECK(m->stats.min > 0);
    }
    const auto* guarantees = find_table(r, "guarantees");
    REQUIRE(guarantees != nullptr);
    CHECK(guarantees->rows.size() == 5);
    for (const auto& row : guarantees->rows) {
      CAPTURE(std::get<std::string>(row[0]));
      CAPTURE(std::get<std::string>(row[2]));
    }
    const auto* misuse = find_table(r, "misuse");
    REQUIRE(misuse != nullptr);
    REQUIRE(misuse->rows.size() == 2);
    CHECK(std::get<std::string>(misuse->rows[0][1]) ==
          "fatal error: sync: unlock of unlocked mutex");
    CHECK(std::get<std::string>(misuse->rows[1][1]) == "panic: sync: negative WaitGroup counter");
    for (const auto& row : misuse->rows) {
      CHECK(std::get<std::string>(row[2]) == "exit 2");
      CHECK(std::get<std::string>(row[3]) == "yes");
    }
    REQUIRE(r.verdicts.size() == 2);
    CHECK(r.verdicts[0].claim == "C27");
    CHECK(r.verdicts[0].verdict == Verdict::confirmed);
    CHECK(r.verdicts[1].claim == "C37");
    // Confirmed, or nuanced where the RWMutex did not pay on this machine; never contradicted.
    CAPTURE(r.verdicts[1].because);
    CHECK(r.verdicts[1].verdict != Verdict::contradicted);
    CHECK(verdicts_last_in_claim_order(r));
  }
}
