#pragma once
// Lesson `context-switch` is three files: context_switch.cpp (the switch costs, C14-C16, and
// the verdicts' inputs), context_switch_pressure.cpp (C17's busy loop) and
// context_switch_reference.cpp (--reference). This header is what they share; it is internal
// to the lesson.

#include <string>
#include <vector>

#include "lessons/lesson.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

inline double median(const std::vector<double>& v) {
  return report::summarize(v).median;
}

// "±1.2%": half the p10-p90 range, relative to the median. Compact enough for the wide
// tables; the measurement blocks carry the full p10-p90 and min-max.
inline std::string plus_minus(const report::Stats& s) {
  return "±" + report::format_number(report::relative_spread(s) / 2 * 100) + "%";
}

// The same for a share that may sit near zero (a loss): half the p10-p90 range in points.
inline std::string plus_minus_points(const report::Stats& s) {
  return "±" + report::format_number((s.p90 - s.p10) / 2 * 100) + " pts";
}

// C17: runs the busy loop alone and under forced switches, round-major; adds its section,
// measurements and table to the report, and returns what the verdict needs.
struct PressureOutcome {
  double lost_share_at_max = 0;       // work lost with the pair ping-ponging freely
  double forced_switches_at_max = 0;  // switches/s above what the loop alone saw
  double alone_cpu_share = 0;         // the loop's share of its CPU when alone
};
PressureOutcome measure_switch_pressure(LessonContext& ctx);

// --reference: perf bench sched pipe beside conc-lab's raw pipe round trip. With `enabled`
// false it only says how to ask for it; without perf it says how to install it.
struct ReferenceInputs {
  double pipe_threads_rt_ns = 0, pipe_processes_rt_ns = 0;  // to size the runs
  double pipe_pair_ns = 0, getppid_ns = 0;                  // the two subtractions
};
void compare_with_perf(LessonContext& ctx, bool enabled, const ReferenceInputs& in);

}  // namespace conc::lessons::context_switch
