// Lesson `process`: the verdict rules of C04-C07 (observations in, verdict out). Pure: no
// clock, no /proc.

#include <fmt/format.h>

#include <algorithm>

#include "lessons/common/verdict_rule.h"
#include "lessons/process/process.h"

namespace conc::lessons::process {

using report::ClaimVerdict;

ClaimVerdict judge_c04(const MarkerView& writer, const MarkerView& reader, int parent_value,
                       int original, int written) {
  const Rule rule{"C04",
                  "confirmed when the two children have distinct pids, the same executable, and "
                  "the writer's change is seen by neither the other child nor the parent; "
                  "contradicted otherwise"};
  const bool distinct = writer.pid != reader.pid && writer.pid > 0 && reader.pid > 0;
  const bool same_exe = !writer.exe.empty() && writer.exe == reader.exe;
  const bool isolated =
      reader.value_seen == original && parent_value == original && writer.value_seen == written;
  if (distinct && same_exe && isolated) {
    return rule.confirmed(fmt::format(
        "pids {} and {} both run {}; child {} wrote {} at address {:#x}, child {} read {} at "
        "the same address and the parent still has {}: one program, two processes, two "
        "memories",
        writer.pid, reader.pid, writer.exe, writer.pid, written, writer.address, reader.pid,
        reader.value_seen, parent_value));
  }
  return rule.contradicted(fmt::format(
      "pids {} and {}, executables '{}' and '{}', reader saw {} and parent {} after the writer "
      "stored {}",
      writer.pid, reader.pid, writer.exe, reader.exe, reader.value_seen, parent_value, written));
}

ClaimVerdict judge_c05(const std::string& child_cwd_after_chdir, const std::string& chdir_target,
                       const std::string& parent_cwd) {
  const Rule rule{"C05",
                  "confirmed when /proc/<child>/cwd shows the child's chdir target and the "
                  "parent's cwd differs from it; contradicted when the change leaked to the parent "
                  "or did not show"};
  if (child_cwd_after_chdir == chdir_target && parent_cwd != chdir_target) {
    return rule.confirmed(fmt::format(
        "the child moved to {} and its /proc entry says so, while the parent stayed in {}: the "
        "working directory, like the open files, limits and environment, belongs to the "
        "process",
        chdir_target, parent_cwd));
  }
  return rule.contradicted(
      fmt::format("after the child's chdir to {}: child cwd '{}', parent cwd '{}'", chdir_target,
                  child_cwd_after_chdir, parent_cwd));
}

ClaimVerdict judge_c06(long pid, long main_tid, long threads, long task_entries) {
  const Rule rule{"C06",
                  "confirmed when a fresh process has tid == pid, Threads: 1 and one "
                  "/proc/<pid>/task entry; contradicted otherwise"};
  if (pid == main_tid && threads == 1 && task_entries == 1) {
    return rule.confirmed(fmt::format(
        "the fresh child {} has Threads: 1, one entry in /proc/{}/task, and its only thread's "
        "tid is {}: the main thread is the process's first task",
        pid, pid, main_tid));
  }
  return rule.contradicted(fmt::format("pid {}, main tid {}, Threads: {}, task entries {}", pid,
                                       main_tid, threads, task_entries));
}

ClaimVerdict judge_c07(long baseline, const std::vector<long>& counts, long after_join) {
  const Rule rule{"C07",
                  "confirmed when Threads: is baseline+i after starting i threads for every i and "
                  "back to baseline after join; nuanced when it grew but not step by step; "
                  "contradicted when it never grew"};
  bool exact = !counts.empty();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    exact = exact && counts[i] == baseline + static_cast<long>(i) + 1;
  }
  const long peak = counts.empty() ? baseline : *std::max_element(counts.begin(), counts.end());
  if (exact && after_join == baseline) {
    return rule.confirmed(fmt::format(
        "Threads: went {} → {} one by one as {} threads started, and back to {} after join",
        baseline, peak, counts.size(), after_join));
  }
  if (peak > baseline) {
    return rule.nuanced(fmt::format(
        "Threads: grew from {} to {} for {} threads started but not exactly one per thread, or "
        "stayed at {} after join (threads still exiting)",
        baseline, peak, counts.size(), after_join));
  }
  return rule.contradicted(
      fmt::format("Threads: stayed at {} while {} threads ran", baseline, counts.size()));
}

}  // namespace conc::lessons::process
