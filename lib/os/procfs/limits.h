#pragma once
// Resource limits and the system-wide caps on tasks: what `ulimit` shows and what stops
// pthread_create first (see the stack lesson).

#include <sys/resource.h>

#include <cstdint>
#include <optional>
#include <string>

namespace conc::os {

// nullopt means RLIM_INFINITY ("unlimited").
struct RLimit {
  std::optional<std::uint64_t> soft;
  std::optional<std::uint64_t> hard;
};
RLimit get_rlimit(int resource);

// The limit as `ulimit -s` prints it for RLIMIT_STACK: KiB, or "unlimited".
std::string format_ulimit_kib(const std::optional<std::uint64_t>& bytes);
// As `ulimit -u`/`-n` print counts: the number, or "unlimited".
std::string format_ulimit_count(const std::optional<std::uint64_t>& count);

// The stack size new threads get when none is asked for (pthread_getattr_default_np).
std::size_t default_thread_stack_bytes();
// What glibc chooses: RLIMIT_STACK's soft limit if it is finite, else 2 MiB on x86-64.
std::size_t glibc_default_stack_for(const RLimit& stack_limit);
std::size_t page_size();

// The system-wide and cgroup caps on tasks; nullopt where the file is absent or says "max".
struct TaskCaps {
  std::optional<long long> threads_max;    // /proc/sys/kernel/threads-max
  std::optional<long long> pid_max;        // /proc/sys/kernel/pid_max
  std::optional<long long> max_map_count;  // /proc/sys/vm/max_map_count
  std::optional<long long> cgroup_pids_max;
  std::optional<long long> cgroup_pids_current;
  std::optional<double> cgroup_cpu_max;  // CPUs' worth of quota
  std::string cgroup_path;               // "/sys/fs/cgroup/..." or ""
};
TaskCaps read_task_caps();
// cgroup v1 keeps the pids controller in a hierarchy of its own ("N:pids:/path" in
// /proc/self/cgroup): pids.max - pids.current there; nullopt without one or without a limit.
std::optional<long long> read_cgroup_v1_pids_headroom();

}  // namespace conc::os
