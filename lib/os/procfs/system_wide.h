#pragma once
// Thin readers of system-wide files: kernel settings under /proc/sys and /proc/meminfo (parsed
// by parse_meminfo_kib, task_parse.h). nullopt where this kernel does not provide the file.

#include <optional>
#include <string>

namespace conc::os {

std::optional<long long> read_pid_max();            // /proc/sys/kernel/pid_max
std::optional<long long> read_overcommit_memory();  // /proc/sys/vm/overcommit_memory
std::optional<long long>
read_sched_autogroup_enabled();             // /proc/sys/kernel/sched_autogroup_enabled
std::optional<std::string> read_meminfo();  // /proc/meminfo

}  // namespace conc::os
