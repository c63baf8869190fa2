#pragma once
// Which CPUs this process may run on, and pinning a thread or process to one of them.
// Experiments that need "one CPU" pin every participant to the same CPU, chosen from the
// allowed set (a container or `taskset` may exclude CPU 0).

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace conc::os {

// CPUs in this process's affinity mask, ascending.
std::vector<int> allowed_cpus();
// The first CPU of allowed_cpus(): the default for pinned experiments.
int default_cpu();
// Pins the calling thread to one CPU. Throws on failure.
void pin_current_thread(int cpu);
// The same for code that may not throw or allocate: a child between fork() and exec or _exit,
// a side of an experiment running on its own thread. Only sched_setaffinity(2), which is
// async-signal-safe in practice (a bare syscall). false when the CPU cannot be used.
bool pin_self_nothrow(int cpu) noexcept;
// The same for another thread of this process (tid from current_tid()): best effort, false on
// failure.
bool pin_task_nothrow(pid_t tid, int cpu) noexcept;
// Lets the calling thread run on every CPU in `cpus` again.
void unpin_current_thread(const std::vector<int>& cpus);
// Pins the calling thread to `cpu` for a scope (no pin when cpu < 0), then lets it run on
// `restore` again, on every path out of the scope.
class ScopedPin {
 public:
  ScopedPin(int cpu, std::vector<int> restore);
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  bool pinned_ = false;
  std::vector<int> restore_;
};

// The CPU the calling thread runs on right now (sched_getcpu).
int current_cpu();

}  // namespace conc::os
