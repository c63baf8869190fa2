#include "os/sys/affinity.h"

#include <sched.h>

#include <cerrno>
#include <sstream>

#include "os/sys/error.h"

namespace conc::os {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    throw_errno("sched_getaffinity");
  }
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) {
      cpus.push_back(c);
    }
  }
  return cpus;
}

int default_cpu() {
  const auto cpus = allowed_cpus();
  return cpus.empty() ? 0 : cpus.front();
}

bool pin_task_nothrow(pid_t tid, int cpu) noexcept {
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    errno = EINVAL;
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // A tid names one thread: sched_setaffinity acts on a task, not on a whole process.
  return sched_setaffinity(tid, sizeof set, &set) == 0;
}

bool pin_self_nothrow(int cpu) noexcept {
  return pin_task_nothrow(0, cpu);  // 0: the calling thread
}

void pin_current_thread(int cpu) {
  if (!pin_self_nothrow(cpu)) {
    throw_errno("sched_setaffinity(cpu " + std::to_string(cpu) + ")");
  }
}

void unpin_current_thread(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    CPU_SET(c, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    throw_errno("sched_setaffinity");
  }
}

ScopedPin::ScopedPin(int cpu, std::vector<int> restore) : restore_(std::move(restore)) {
  if (cpu >= 0) {
    pin_current_thread(cpu);
    pinned_ = true;
  }
}

ScopedPin::~ScopedPin() {
  if (!pinned_) {
    return;
  }
  try {
    unpin_current_thread(restore_);
  } catch (const std::exception&) {
    // The set we started with cannot vanish; at worst the thread stays pinned, which makes
    // later experiments slower, never wrong.
  }
}

int current_cpu() {
  return sched_getcpu();
}

}  // namespace conc::os
