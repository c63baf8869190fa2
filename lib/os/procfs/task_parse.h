#pragma once
// Pure parsers and lookups for the per-task views the thread and stack lessons need: a task's
// state and last CPU (/proc/<pid>/task/<tid>/stat), its scheduler autogroup
// (/proc/<pid>/autogroup), each CPU's busy time
// (/proc/stat), the memory figures that
// bound thread creation (/proc/meminfo), and which mapping of
// /proc/<pid>/maps holds an address and whether a guard page sits right below it.
// No I/O here, as in proc_parse.h: each is tested on canned text in tests/os/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/procfs/proc_parse.h"

namespace conc::os {

// /proc/<pid>/task/<tid>/stat: the fields after "(comm)", which may itself hold spaces and
// parentheses, so the parser starts from the last ')'.
struct TaskStat {
  char state = '?';    // R running, S sleeping, D disk wait, T stopped, Z zombie...
  int processor = -1;  // field 39: the CPU the task last ran on
  long long minor_faults = 0;
};
std::optional<TaskStat> parse_task_stat(std::string_view text);

// /proc/<pid>/autogroup: "/autogroup-42 nice 0".
struct Autogroup {
  long long id = 0;
  int nice = 0;
};
std::optional<Autogroup> parse_autogroup(std::string_view text);

// The "cpuN ..." lines of /proc/stat: clock ticks per CPU, indexed by CPU number (a CPU
// absent from the file has an entry of zeros).
std::vector<CpuTimes> parse_proc_stat_per_cpu(std::string_view text);

// One "Key:   123 kB" line of /proc/meminfo, in KiB (MemAvailable, CommitLimit...).
std::optional<long long> parse_meminfo_kib(std::string_view text, std::string_view key);

// The index of the mapping that contains `address`, if any.
std::optional<std::size_t> find_mapping(const std::vector<Mapping>& maps, std::uint64_t address);
// The index of an inaccessible ("---") mapping ending exactly where maps[index] starts: the
// guard page below a stack that grows down.
std::optional<std::size_t> guard_below(const std::vector<Mapping>& maps, std::size_t index);

}  // namespace conc::os
