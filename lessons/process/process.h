#pragma once
// Lesson `process` (claims C04-C07): what a process is, seen from /proc and from two children.
// The verdict rules are pure functions so that tests can feed them synthetic observations.

#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons::process {

// What one child saw of the variable both inherited from the parent.
struct MarkerView {
  long pid = 0;
  std::string exe;
  unsigned long long address = 0;
  int value_seen = 0;
};

// C04: two runs of one program are two processes: distinct pids, same executable, and a
// write in one is invisible to the other (and to the parent).
report::ClaimVerdict judge_c04(const MarkerView& writer, const MarkerView& reader, int parent_value,
                               int original, int written);

// C05: the process carries its own environment: a child's chdir shows in its /proc entry
// and not in the parent's.
report::ClaimVerdict judge_c05(const std::string& child_cwd_after_chdir,
                               const std::string& chdir_target, const std::string& parent_cwd);

// C06: a fresh process has exactly one thread, whose tid is the pid.
report::ClaimVerdict judge_c06(long pid, long main_tid, long threads, long task_entries);

// C07: with k extra threads running, Threads: and /proc/self/task grow by k, and shrink
// back after join. `counts[i]` is Threads: after starting i+1 threads.
report::ClaimVerdict judge_c07(long baseline, const std::vector<long>& counts, long after_join);

}  // namespace conc::lessons::process
