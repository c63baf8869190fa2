#include "lessons/common/verdict_rule.h"

#include "lessons/common/lesson.h"

#include <doctest/doctest.h>

namespace conc::lessons {

using report::Verdict;

TEST_CASE("the three-way rule lands on each side of its thresholds") {
  CHECK(classify_at_least(10, 2, 5) == Verdict::confirmed);
  CHECK(classify_at_least(5, 2, 5) == Verdict::confirmed);
  CHECK(classify_at_least(3, 2, 5) == Verdict::nuanced);
  CHECK(classify_at_least(1, 2, 5) == Verdict::contradicted);
  CHECK(classify_at_most(1, 5, 2) == Verdict::confirmed);
  CHECK(classify_at_most(3, 5, 2) == Verdict::nuanced);
  CHECK(classify_at_most(6, 5, 2) == Verdict::contradicted);
  CHECK(classify_checks(false, false) == Verdict::contradicted);
  CHECK(classify_checks(true, false) == Verdict::nuanced);
  CHECK(classify_checks(true, true) == Verdict::confirmed);
}

TEST_CASE("a rule stamps its claim and threshold on every verdict") {
  const Rule rule{"C99", "confirmed when x ≥ 1"};
  const auto v = rule.not_judged("the baseline did not get its CPU");
  CHECK(v.claim == "C99");
  CHECK(v.verdict == Verdict::not_judged);
  CHECK(v.threshold == "confirmed when x ≥ 1");
  CHECK(std::string(report::to_string(v.verdict)) == "could not judge");
}

}  // namespace conc::lessons

namespace conc::lessons {

TEST_CASE("a pause is noticed from a continue or a suspend, and only then") {
  const PauseMarks quiet{3, 5'000};
  // A machine that ran on: same continue count, the clocks apart by read noise only.
  CHECK(pause_caveat(quiet, PauseMarks{3, 5'000 + 2'000'000}).empty());
  // A process stopped with SIGSTOP (or Ctrl-Z) and continued with SIGCONT.
  CHECK(pause_caveat(quiet, PauseMarks{4, 5'000}).find("stopped and continued") !=
        std::string::npos);
  // A laptop suspended for six seconds: CLOCK_BOOTTIME ran on, CLOCK_MONOTONIC did not.
  CHECK(pause_caveat(quiet, PauseMarks{3, 5'000 + 6'000'000'000LL}).find("suspended for 6.0 s") !=
        std::string::npos);
}

}  // namespace conc::lessons
