#pragma once
// How many more threads this process could start before pthread_create fails with EAGAIN, limit
// by limit. Linux caps tasks in several independent places; the first one reached wins:
//   RLIMIT_NPROC      tasks of this user (not enforced for root)
//   threads-max       tasks on the whole system
//   pid_max           every thread takes a PID from one system-wide space
//   max_map_count     mappings of this process: each thread stack is 2 (stack + guard page)
//   cgroup pids.max   tasks in this cgroup
// Memory is left out: stacks are reserved address space, committed only when touched, and the
// kernel's own cost per task (its kernel stack and task_struct, whose sizes depend on the
// architecture and the kernel's configuration) is not visible from here.
//
// thread_caps() is pure; read_thread_cap_input() gathers its inputs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/procfs/limits.h"

namespace conc::os {

struct ThreadCapInput {
  TaskCaps caps;
  RLimit nproc;
  bool nproc_enforced = true;                // false for root
  std::optional<long long> tasks_on_system;  // /proc/loadavg's "running/total"
  std::optional<long long> maps_in_use;      // lines of /proc/self/maps
  int maps_per_thread = 2;
};

struct ThreadCap {
  std::string name;   // "pid_max"
  std::string where;  // "/proc/sys/kernel/pid_max"
  long long limit = 0;
  long long in_use = 0;    // what already counts against it (best known)
  long long headroom = 0;  // more threads it allows
};

std::vector<ThreadCap> thread_caps(const ThreadCapInput& in);
// The cap with the least headroom; nullopt if no limit is known.
std::optional<ThreadCap> tightest_cap(const std::vector<ThreadCap>& caps);

// /proc/loadavg: "0.52 0.58 0.59 3/412 12345" -> 412 (tasks that exist now).
std::optional<long long> parse_loadavg_tasks(std::string_view text);

ThreadCapInput read_thread_cap_input();

}  // namespace conc::os
