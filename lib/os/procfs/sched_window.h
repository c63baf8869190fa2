#pragma once
// What the scheduler did to a set of threads over a window of time, from two snapshots of
// their per-task counters: /proc/<pid>/task/<tid>/schedstat (time on the CPU, time waiting on
// a run queue, number of turns) and, optionally, /proc/<pid>/task/<tid>/sched (switch counts,
// the EEVDF slice). Only the differences between the snapshots count, so whatever the threads
// did before the window (start-up, other experiments) is left out.
//
// Pure: the snapshots are plain data (sched_sampler.h takes them), so the arithmetic is tested
// on synthetic numbers.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "os/procfs/proc_parse.h"

namespace conc::os {

// The fields of /proc/<pid>/task/<tid>/sched this project uses (CONFIG_SCHED_DEBUG).
struct TaskSched {
  std::optional<std::int64_t> nr_switches, nr_voluntary_switches, nr_involuntary_switches;
  std::optional<std::int64_t> sum_exec_runtime_ns;  // printed in ms with 6 decimals
  std::optional<std::int64_t> slice_ns;             // se.slice: EEVDF only
};
TaskSched parse_task_sched(std::string_view text);

// One task's counters at one instant; a task that has exited has neither.
struct TaskSample {
  pid_t tid = 0;
  std::int64_t t_ns = 0;   // monotonic time it was read; 0: unknown (the snapshot's times count)
  std::uint64_t work = 0;  // a counter the caller keeps for this task, read at the same moment
  std::optional<SchedStat> stat;
  std::optional<TaskSched> sched;
};

struct TaskSnapshot {
  std::int64_t begin_ns = 0;  // monotonic time when reading started and ended: reading
  std::int64_t end_ns = 0;    // a thousand files takes milliseconds
  std::vector<TaskSample> tasks;
  int unread = 0;  // tasks left out because the snapshot ran out of time (sched_sampler.h)
  std::int64_t mid_ns() const { return begin_ns + (end_ns - begin_ns) / 2; }
};

// One task over the window.
struct TaskDelta {
  pid_t tid = 0;
  std::int64_t interval_ns = 0;  // between its two readings
  std::int64_t run_ns = 0;       // on the CPU
  std::int64_t wait_ns = 0;      // runnable, waiting for the CPU
  std::int64_t slices = 0;       // turns on the CPU
  std::uint64_t work = 0;        // the caller's counter
  std::optional<std::int64_t> switches, involuntary_switches;
  // run ÷ slices; nullopt without a turn.
  std::optional<double> mean_slice_ns() const;
};

struct WindowStats {
  std::int64_t window_ns = 0;    // between the midpoints of the two snapshots
  std::vector<TaskDelta> tasks;  // tasks present in both snapshots, in snapshot order
  int tasks_missing = 0;         // entries with no match in the other snapshot (exited, new,
                                 // or unreadable)
  std::int64_t run_ns = 0, wait_ns = 0, slices = 0;
  std::uint64_t work = 0;
  std::optional<std::int64_t> switches, involuntary_switches;  // when every task had sched
  int tasks_that_ran = 0;                                      // run_ns > 0 in the window
  int tasks_unread = 0;  // left out of a snapshot that ran out of time: not in `tasks`

  // Σrun ÷ Σslices: the mean length of one turn on the CPU.
  std::optional<double> mean_slice_ns() const;
  // Σwait ÷ Σslices: how long a turn was waited for, on average.
  std::optional<double> mean_wait_per_turn_ns() const;
  // Rates are summed task by task over each task's own interval, so that a slow snapshot (the
  // reader itself waiting for a CPU while it walks a thousand files) does not skew them.
  // Turns per second, all tasks together (each turn begins with a switch to it).
  double slices_per_second() const;
  // How many CPUs' worth of time these tasks got (1.0 = one whole CPU).
  double cpu_share() const;
  // The caller's counter per second, all tasks together.
  double work_per_second() const;
  // The caller's counter per second of CPU time these tasks had: what a second of CPU buys,
  // whatever else ran meanwhile. nullopt without CPU time.
  std::optional<double> work_per_cpu_second() const;
};

// Differences between two snapshots of the same tasks (matched by tid).
WindowStats summarize_window(const TaskSnapshot& before, const TaskSnapshot& after);

}  // namespace conc::os
