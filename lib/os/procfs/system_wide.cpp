#include "os/procfs/system_wide.h"

#include "os/procfs/text_file.h"

namespace conc::os {

std::optional<long long> read_pid_max() {
  return read_integer_file("/proc/sys/kernel/pid_max");
}

std::optional<long long> read_overcommit_memory() {
  return read_integer_file("/proc/sys/vm/overcommit_memory");
}

std::optional<long long> read_sched_autogroup_enabled() {
  return read_integer_file("/proc/sys/kernel/sched_autogroup_enabled");
}

std::optional<std::string> read_meminfo() {
  return read_text_file("/proc/meminfo");
}

}  // namespace conc::os
