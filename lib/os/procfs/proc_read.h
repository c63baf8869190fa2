#pragma once
// Thin readers over proc_parse.h: open the file, hand the text to the parser.
// A file this kernel does not provide gives nullopt (or an empty result), never an exception.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "os/procfs/proc_parse.h"
#include "os/procfs/task_parse.h"

namespace conc::os {

pid_t current_tid();

std::optional<ProcStatus> read_status(pid_t pid);                  // /proc/<pid>/status
std::optional<ProcStatus> read_task_status(pid_t pid, pid_t tid);  // .../task/<tid>/status
std::optional<SchedStat> read_schedstat(pid_t pid, pid_t tid);     // .../task/<tid>/schedstat
std::map<std::string, std::string> read_sched(pid_t pid);          // /proc/<pid>/sched
std::map<std::string, std::string> read_task_sched(pid_t pid, pid_t tid);
std::vector<Mapping> read_maps(pid_t pid);
// The tids in /proc/<pid>/task, ascending.
std::vector<pid_t> list_tasks(pid_t pid);
// Number of entries in /proc/<pid>/fd; nullopt if not readable.
std::optional<std::size_t> count_open_fds(pid_t pid);
// /proc/<pid>/exe and /proc/<pid>/cwd.
std::optional<std::string> read_link(const std::string& path);
std::optional<std::string> read_exe(pid_t pid);                // /proc/<pid>/exe
std::optional<std::string> read_cwd(pid_t pid);                // /proc/<pid>/cwd
std::optional<std::string> read_environ(pid_t pid);            // /proc/<pid>/environ
std::optional<std::size_t> read_limits_count(pid_t pid);       // /proc/<pid>/limits
std::optional<Autogroup> read_autogroup(pid_t pid);            // /proc/<pid>/autogroup
std::optional<TaskStat> read_task_stat(pid_t pid, pid_t tid);  // .../task/<tid>/stat
std::optional<std::string> read_wchan(pid_t pid, pid_t tid);   // .../task/<tid>/wchan

}  // namespace conc::os
