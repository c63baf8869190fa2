#include <doctest/doctest.h>

#include <unistd.h>

#include <set>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "report/text_renderer.h"

using namespace conc;
using report::Verdict;

TEST_SUITE("lesson thread") {
  TEST_CASE("the live lesson, quick: distinct stacks, shared memory, accounts, timelines") {
    const auto r = lessons::run_lesson_with_args("thread", {"--quick", "--threads", "3"});
    const auto* stacks = find_table(r, "thread_stacks");
    const auto* accounts = find_table(r, "thread_accounts");
    REQUIRE(stacks != nullptr);
    REQUIRE(stacks->rows.size() == 4);  // main + 3 threads
    std::set<std::string> mappings;
    std::set<std::int64_t> tids;
    for (const auto& row : stacks->rows) {
      mappings.insert(std::get<std::string>(row[3]));
      tids.insert(std::get<std::int64_t>(row[1]));
    }
    CHECK(mappings.size() == 4);  // every thread's local in a mapping of its own
    CHECK(tids.size() == 4);
    CHECK(tids.count(::getpid()) == 1);  // the lesson runs on the main thread: tid == pid
    REQUIRE(accounts != nullptr);
    CHECK(accounts->rows.size() == 3);
    for (const auto& v : r.verdicts) {
      CAPTURE(v.claim);
      CAPTURE(v.because);
      if (v.claim == "C09" || v.claim == "C10") {
        CHECK(v.verdict == Verdict::confirmed);  // facts of the address space, not of timing
      }
    }
    for (const char* id : {"cpu_ratio_same_session", "cpu_ratio_after_setsid"}) {
      // The ratio of the round's sums, and the same ratio per window for the spread.
      const auto* m = r.find_measurement(id);
      const auto* windows = r.find_measurement(std::string(id) + "_windows");
      REQUIRE(m != nullptr);
      REQUIRE(windows != nullptr);
      CHECK(m->stats.n == 1);
      CHECK(m->stats.median > 0);
      CHECK(windows->stats.n == 3);  // --quick
      CHECK(windows->stats.min <= windows->stats.max);
    }
    CHECK(r.verdicts.size() == 6);
    CHECK(verdicts_last_in_claim_order(r));
    REQUIRE(r.timelines.size() == 3);
    for (const auto& tl : r.timelines) {
      REQUIRE_FALSE(tl.rows.empty());
      CHECK(tl.rows.size() == tl.row_labels.size());
      for (const auto& row : tl.rows) {
        // Timeline cells may be multi-byte UTF-8 ("█", "·"): count columns, not bytes.
        CHECK(report::display_width(row) == report::display_width(tl.rows.front()));
      }
    }
  }
}
