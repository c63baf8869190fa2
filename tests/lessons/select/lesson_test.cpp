#include <doctest/doctest.h>

#include <numeric>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"

using namespace conc;
using report::Verdict;

TEST_SUITE("lesson select") {
  TEST_CASE("the live lesson, quick: every case as Go's, a histogram of 10,000 selects") {
    const auto r = lessons::run_lesson_with_args("select", {"--quick", "--values", "500"});
    for (const char* id : {"merge_ns_per_value", "select_timeout_ms", "select_default_ns"}) {
      CAPTURE(id);
      const auto* m = r.find_measurement(id);
      REQUIRE(m != nullptr);
      CHECK(m->stats.min > 0);
    }
    CHECK(r.find_measurement("select_timeout_ms")->stats.min >= 10.0);
    const auto* cases = find_table(r, "select_cases");
    REQUIRE(cases != nullptr);
    CHECK(cases->rows.size() == 6);
    for (const auto& row : cases->rows) {
      CAPTURE(std::get<std::string>(row[0]));
      CHECK(std::get<std::string>(row[3]) == "yes");
    }
    REQUIRE(r.charts.size() == 1);
    const auto& bars = r.charts[0].bars;
    REQUIRE(bars.size() == 4);
    const double total = std::accumulate(bars.begin(), bars.end(), 0.0,
                                         [](double s, const auto& b) { return s + b.value; });
    CHECK(total == 10'000.0);
    for (const auto& b : bars) {
      CHECK(b.value > 0);  // every case is chosen at times
    }
    REQUIRE(r.verdicts.size() == 1);
    CHECK(r.verdicts[0].claim == "C36");
    // Confirmed, or nuanced (1 run in 1,000 by chance, or choices that repeat between
    // programs); never contradicted.
    CHECK(r.verdicts[0].verdict != Verdict::contradicted);
    CHECK(verdicts_last_in_claim_order(r));
  }
}
