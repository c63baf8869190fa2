#include <doctest/doctest.h>

#include "lessons/deadlock/deadlock.h"

using namespace conc;
using namespace conc::lessons::deadlock;
using report::Verdict;

TEST_SUITE("lesson deadlock") {
  TEST_CASE("the wait-for cycle: found when closed, not when a chain ends") {
    // Two threads, locks A=0 and B=1: 0 holds A and waits for B, 1 holds B and waits for A.
    CHECK(find_cycle({0, 1}, {1, 0}) == std::vector<int>{0, 1});
    // Thread 1 is not waiting: a chain, no cycle.
    CHECK(find_cycle({0, 1}, {1, -1}).empty());
    // Three philosophers around a table, and a fourth thread waiting outside the cycle.
    CHECK(find_cycle({0, 1, 2}, {1, 2, 0, 0}).size() == 3);
    CHECK(find_cycle({}, {}).empty());
  }

  TEST_CASE(
      "C26: a detected cycle and completed fixes confirm; a pair that completes contradicts") {
    // A machine where the barrier forced the cycle and the watchdog recovered it in time.
    DeadlockView stuck{true, 2, 120, 2000, 3, 3, true, true};
    CHECK(judge_c26(stuck).verdict == Verdict::confirmed);
    // A lock implementation that never blocks (e.g. a broken wrapper): no deadlock.
    DeadlockView never = stuck;
    never.opposite_deadlocked = false;
    never.cycle_length = 0;
    CHECK(judge_c26(never).verdict == Verdict::contradicted);
    // A fix that deadlocked contradicts too.
    DeadlockView bad_fix = stuck;
    bad_fix.fixes_completed = 2;
    CHECK(judge_c26(bad_fix).verdict == Verdict::contradicted);
    // A machine so loaded that recovery took longer than the bound: nuanced.
    DeadlockView slow = stuck;
    slow.end_ms = 2500;
    CHECK(judge_c26(slow).verdict == Verdict::nuanced);
    DeadlockView none;
    CHECK(judge_c26(none).verdict == Verdict::not_judged);
  }
}
