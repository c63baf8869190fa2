// Lesson `deadlock`: the verdict rule for C26. Pure: numbers in, verdict out.

#include <fmt/format.h>

#include "lessons/common/verdict_rule.h"
#include "lessons/deadlock/deadlock.h"
#include "report/units.h"

namespace conc::lessons::deadlock {

report::ClaimVerdict judge_c26(const DeadlockView& v) {
  const Rule rule{
      "C26", fmt::format("confirmed when the opposite-order pair deadlocked in a wait-for cycle "
                         "of {} and was recovered within its bound, every fix completed, and "
                         "the naive philosophers deadlocked while the ordered ones ate; "
                         "contradicted when the pair completed or a fix deadlocked; nuanced "
                         "otherwise",
                         kTwoLockCycle)};
  if (v.fixes_run == 0) {
    return rule.not_judged("no fix was run");
  }
  const std::string facts = fmt::format(
      "the opposite-order pair {}; {} of {} fixes completed; naive philosophers {}, ordered "
      "ones {}",
      v.opposite_deadlocked
          ? fmt::format("deadlocked in a cycle of {} (threads gone after {} ms, bound {} ms)",
                        v.cycle_length, report::format_number(v.end_ms),
                        report::format_number(v.bound_ms))
          : std::string("completed"),
      v.fixes_completed, v.fixes_run,
      v.philosophers_naive_deadlocked ? "deadlocked" : "did not deadlock",
      v.philosophers_ordered_completed ? "completed" : "did not complete");
  const bool decisive = v.opposite_deadlocked && v.fixes_completed == v.fixes_run;
  const bool all = decisive && v.cycle_length == kTwoLockCycle && v.end_ms <= v.bound_ms &&
                   v.philosophers_naive_deadlocked && v.philosophers_ordered_completed;
  const auto verdict = classify_checks(decisive, all);
  return rule.decide(verdict, facts + (verdict == report::Verdict::confirmed
                                           ? ": each thread held one lock and waited for the "
                                             "other's, a circular wait; taking locks in one "
                                             "global order removes the cycle"
                                           : ""));
}

}  // namespace conc::lessons::deadlock
