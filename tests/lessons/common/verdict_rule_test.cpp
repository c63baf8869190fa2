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

TEST_CASE("a two-figure rule: both halves, one, or neither") {
  // A busy I/O-bound server: switching ate the CPU and the sleeper woke later.
  CHECK(classify_both(true, true) == Verdict::confirmed);
  // Threads that took turns on one pinned CPU, but another program held the second CPU.
  CHECK(classify_both(true, false) == Verdict::nuanced);
  CHECK(classify_both(false, true) == Verdict::nuanced);
  // A quiet machine where neither half showed.
  CHECK(classify_both(false, false) == Verdict::contradicted);
}

TEST_CASE("within a factor either way, bounds included") {
  // A 4x larger stack that overflowed 3x deeper: within 2x of the size ratio.
  CHECK(within_factor(3, 4, 2));
  CHECK(within_factor(2, 4, 2));
  CHECK(within_factor(8, 4, 2));
  // A turn of 4 ms where the model says 1 ms (tick-bound scheduler): outside 1.5x.
  CHECK_FALSE(within_factor(4, 1, 1.5));
  CHECK_FALSE(within_factor(0.5, 1, 1.5));
}

TEST_CASE("the figures, then the cause that goes with the verdict") {
  const Rule rule{"C99", "confirmed when x ≥ 1"};
  const Rule::Causes causes{
      .confirmed = ": expensive", .nuanced = ": noticeable", .contradicted = ": cheap"};
  CHECK(rule.decide(Verdict::confirmed, "2 µs", causes).because == "2 µs: expensive");
  CHECK(rule.decide(Verdict::nuanced, "2 µs", causes).because == "2 µs: noticeable");
  const auto cheap = rule.decide(Verdict::contradicted, "2 µs", causes);
  CHECK(cheap.because == "2 µs: cheap");
  CHECK(cheap.verdict == Verdict::contradicted);
  CHECK(cheap.threshold == "confirmed when x ≥ 1");
  // No cause of its own: the figures alone.
  CHECK(rule.decide(Verdict::not_judged, "2 µs", causes).because == "2 µs");
  CHECK(rule.decide(Verdict::nuanced, "2 µs", {.confirmed = ": expensive"}).because == "2 µs");
}

TEST_CASE("figures that cannot carry the verdict: \"But\" and why") {
  const Rule rule{"C99", "confirmed when x ≥ 1"};
  // A one-thread baseline that got a third of its CPU on a busy machine.
  const auto v = rule.but(Verdict::not_judged, "4 threads ran 1.9x as fast",
                          "the baseline got only 37% of its CPU");
  CHECK(v.verdict == Verdict::not_judged);
  CHECK(v.because == "4 threads ran 1.9x as fast. But the baseline got only 37% of its CPU");
}

TEST_CASE("an untrusted figure turns a decided verdict into could not judge") {
  const Rule rule{"C99", "confirmed when x ≥ 1"};
  // A quiet machine: the ping-pong passed its checks, the verdict stands.
  const auto kept = unless_untrusted(rule.confirmed("2 µs per switch"), true, "");
  CHECK(kept.verdict == Verdict::confirmed);
  CHECK(kept.because == "2 µs per switch");
  // A busy machine: the pair was preempted, so the figure failed the lesson's checks.
  const auto dropped =
      unless_untrusted(rule.contradicted("2 µs per switch"), false, "2.00 involuntary switches");
  CHECK(dropped.verdict == Verdict::not_judged);
  CHECK(dropped.claim == "C99");
  CHECK(dropped.because ==
        "2 µs per switch. But the figures behind this failed the lesson's own checks (2.00 "
        "involuntary switches), so this run cannot decide");
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
