#pragma once
// Takes the snapshots sched_window.h compares: the schedstat (and optionally sched) counters of
// a set of threads of one process, read as close together as possible.
//
// Cost: the files are opened once (TaskFiles), before the window, and read again at each end
// (pread at offset 0 makes the kernel print them afresh): a third of the cost of opening each
// file by path at each end. Read from a CPU the sampled threads are not pinned to, or the
// reader waits its turn behind them. Even there it can wait: next to many busy threads of the
// same process, the reader's share of its own CPU is small whenever other programs run there,
// so every snapshot can be given a time bound, after which the tasks not yet read are left out
// (counted in TaskSnapshot::unread) rather than the window running on.
//
// Invariant: a TaskFiles owns its descriptors and closes them all when destroyed.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "os/procfs/sched_window.h"

namespace conc::os {

// The caller's per-task counter (work done), read right after the task's files: work(i) for
// tids[i]. Reading it at the same moment keeps work and CPU time over the same interval.
using WorkCounter = std::function<std::uint64_t(std::size_t index)>;

// /proc/<pid>/task/<tid>/schedstat (and sched) of each task, opened once. A file that could
// not be opened (no descriptor left, RLIMIT_NOFILE) is read by its path at each reading.
class TaskFiles {
 public:
  // Throws os::Interrupted on Ctrl-C (checked every 64 tasks).
  TaskFiles(pid_t pid, std::vector<pid_t> tids, bool with_sched);
  ~TaskFiles();
  TaskFiles(const TaskFiles&) = delete;
  TaskFiles& operator=(const TaskFiles&) = delete;

  const std::vector<pid_t>& tids() const { return tids_; }
  bool has_sched() const { return with_sched_; }
  // Descriptors held (schedstat and sched together).
  std::size_t opened() const;
  std::optional<SchedStat> schedstat(std::size_t i) const;
  std::optional<TaskSched> sched(std::size_t i) const;

 private:
  pid_t pid_;
  std::vector<pid_t> tids_;
  bool with_sched_;
  std::vector<int> stat_fds_, sched_fds_;  // -1: not open
};

struct SnapshotLimits {
  std::size_t count = SIZE_MAX;  // read only the first `count` tasks
  std::int64_t deadline_ns = 0;  // monotonic time after which no further task is read; 0: none
};

// Reads the tasks in order, stopping at the limits; tasks left out are counted in `unread`.
// with_sched adds the sched file (switch counts, se.slice): about twice the cost; it needs
// files opened with it. Throws os::Interrupted on Ctrl-C (checked every 64 tasks).
TaskSnapshot snapshot_tasks(const TaskFiles& files, bool with_sched, const WorkCounter& work = {},
                            SnapshotLimits limits = {});

// A window in two calls: begin() takes the first snapshot, end() the second and returns the
// differences. Each snapshot stops reading after `bound_ns` (0: no bound); end() reads only
// the tasks begin() read.
class SchedWindow {
 public:
  SchedWindow(const TaskFiles& files, bool with_sched, WorkCounter work = {},
              std::int64_t bound_ns = 0)
      : files_(files), with_sched_(with_sched), work_(std::move(work)), bound_ns_(bound_ns) {}
  void begin();
  WindowStats end() const;

 private:
  std::int64_t deadline() const;
  const TaskFiles& files_;
  bool with_sched_;
  WorkCounter work_;
  std::int64_t bound_ns_;
  TaskSnapshot before_;
};

}  // namespace conc::os
