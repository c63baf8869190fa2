#pragma once
// Takes the snapshots sched_window.h compares: the schedstat (and optionally sched) counters of
// a set of threads of one process, read as close together as possible.
//
// Cost: a few microseconds of syscalls per file. Read from a CPU the sampled threads are not
// pinned to, or the reader waits its turn behind them.

#include <sys/types.h>

#include <vector>

#include "os/sched_window.h"

namespace conc::os {

// with_sched adds /proc/<pid>/task/<tid>/sched (switch counts, se.slice): about twice the cost.
TaskSnapshot snapshot_tasks(pid_t pid, const std::vector<pid_t>& tids, bool with_sched);

// A window in two calls: begin() takes the first snapshot, end() the second and returns the
// differences.
class SchedWindow {
 public:
  SchedWindow(pid_t pid, std::vector<pid_t> tids, bool with_sched)
      : pid_(pid), tids_(std::move(tids)), with_sched_(with_sched) {}
  void begin() { before_ = snapshot_tasks(pid_, tids_, with_sched_); }
  WindowStats end() const {
    return summarize_window(before_, snapshot_tasks(pid_, tids_, with_sched_));
  }

 private:
  pid_t pid_;
  std::vector<pid_t> tids_;
  bool with_sched_;
  TaskSnapshot before_;
};

}  // namespace conc::os
