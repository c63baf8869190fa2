// Lesson waitgroup's verdict rules on synthetic runs, each named for the machine it stands for.

#include <doctest/doctest.h>

#include "lessons/waitgroup/waitgroup.h"

using namespace conc::lessons::waitgroup;
using conc::report::Verdict;

namespace {
RunsView runs(int k, std::vector<int> lines) {
  RunsView v;
  v.goroutines = k;
  v.lines = std::move(lines);
  return v;
}
const JoinView kJoined{8, 8, true};
}  // namespace

TEST_SUITE("waitgroup verdicts") {
  TEST_CASE("C38: a two-CPU machine where main's work races the goroutines: confirmed") {
    CHECK(judge_c38(runs(8, {0, 3, 5, 8, 6, 2})).verdict == Verdict::confirmed);
  }
  TEST_CASE("C38: a machine where the goroutines always beat main: contradicted") {
    CHECK(judge_c38(runs(8, {8, 8, 8, 8, 8, 8})).verdict == Verdict::contradicted);
  }
  TEST_CASE("C38: one worker, main never yields, 0 lines every run: nuanced") {
    CHECK(judge_c38(runs(8, {0, 0, 0, 0, 0, 0})).verdict == Verdict::nuanced);
  }
  TEST_CASE("C38: children that failed to run: not judged") {
    auto v = runs(8, {3, 4});
    v.failed = 4;
    CHECK(judge_c38(v).verdict == Verdict::not_judged);
  }
  TEST_CASE("C39: a working WaitGroup delivers every line every run: confirmed") {
    CHECK(judge_c39(runs(8, {8, 8, 8, 8, 8}), kJoined).verdict == Verdict::confirmed);
  }
  TEST_CASE("C39: a broken WaitGroup that let one run lose a line: contradicted") {
    CHECK(judge_c39(runs(8, {8, 8, 7, 8, 8}), kJoined).verdict == Verdict::contradicted);
    CHECK(judge_c39(runs(8, {8, 8, 8, 8, 8}), JoinView{8, 6, false}).verdict ==
          Verdict::contradicted);
  }
  TEST_CASE("the histogram counts runs per number of lines") {
    const auto h = histogram(runs(3, {0, 3, 3, 1}));
    REQUIRE(h.size() == 4);
    CHECK(h[0] == 1);
    CHECK(h[1] == 1);
    CHECK(h[2] == 0);
    CHECK(h[3] == 2);
    CHECK(short_runs(runs(3, {0, 3, 3, 1})) == 2);
    CHECK(distinct_counts(runs(3, {0, 3, 3, 1})) == 3);
  }
}
