#include <doctest/doctest.h>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"

using namespace conc;
using report::Verdict;

TEST_SUITE("lesson process") {
  TEST_CASE("the live lesson sees tid == pid and separate memories here") {
    const auto r = lessons::run_lesson_with_args("process", {"--quick", "--threads", "3"});
    for (const auto& v : r.verdicts) {
      CAPTURE(v.claim);
      CAPTURE(v.because);
      CHECK(v.verdict == Verdict::confirmed);
    }
    const auto* fork = r.find_measurement("fork_exit_wait_ns");
    REQUIRE(fork != nullptr);
    CHECK(fork->stats.median > 0);
    // The thread chart: the fresh process plus one bar per thread plus "after join".
    REQUIRE(r.charts.size() == 1);
    CHECK(r.charts[0].bars.size() == 5);
    CHECK(r.verdicts.size() == 4);
    CHECK(verdicts_last_in_claim_order(r));
  }
}
