#pragma once
// Takes the snapshots sched_window.h compares: the schedstat (and optionally sched) counters of
// a set of threads of one process, read as close together as possible.
//
// Cost: a few microseconds of syscalls per file. Read from a CPU the sampled threads are not
// pinned to, or the reader waits its turn behind them.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "os/procfs/sched_window.h"

namespace conc::os {

// The caller's per-task counter (work done), read right after the task's files: work(i) for
// tids[i]. Reading it at the same moment keeps work and CPU time over the same interval.
using WorkCounter = std::function<std::uint64_t(std::size_t index)>;

// with_sched adds /proc/<pid>/task/<tid>/sched (switch counts, se.slice): about twice the cost.
// Throws os::Interrupted on Ctrl-C (checked every 64 tasks).
TaskSnapshot snapshot_tasks(pid_t pid, const std::vector<pid_t>& tids, bool with_sched,
                            const WorkCounter& work = {});

// A window in two calls: begin() takes the first snapshot, end() the second and returns the
// differences.
class SchedWindow {
 public:
  SchedWindow(pid_t pid, std::vector<pid_t> tids, bool with_sched, WorkCounter work = {})
      : pid_(pid), tids_(std::move(tids)), with_sched_(with_sched), work_(std::move(work)) {}
  void begin() { before_ = snapshot_tasks(pid_, tids_, with_sched_, work_); }
  WindowStats end() const {
    return summarize_window(before_, snapshot_tasks(pid_, tids_, with_sched_, work_));
  }

 private:
  pid_t pid_;
  std::vector<pid_t> tids_;
  bool with_sched_;
  WorkCounter work_;
  TaskSnapshot before_;
};

}  // namespace conc::os
