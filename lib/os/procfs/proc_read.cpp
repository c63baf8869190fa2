#include "os/procfs/proc_read.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "os/procfs/text_file.h"

namespace conc::os {

namespace {
std::string proc(pid_t pid) {
  return "/proc/" + std::to_string(pid);
}
std::string task(pid_t pid, pid_t tid) {
  return proc(pid) + "/task/" + std::to_string(tid);
}
}  // namespace

pid_t current_tid() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

std::optional<ProcStatus> read_status(pid_t pid) {
  auto text = read_text_file(proc(pid) + "/status");
  return text ? std::optional(parse_status(*text)) : std::nullopt;
}

std::optional<ProcStatus> read_task_status(pid_t pid, pid_t tid) {
  auto text = read_text_file(task(pid, tid) + "/status");
  return text ? std::optional(parse_status(*text)) : std::nullopt;
}

std::optional<SchedStat> read_schedstat(pid_t pid, pid_t tid) {
  auto text = read_text_file(task(pid, tid) + "/schedstat");
  return text ? parse_schedstat(*text) : std::nullopt;
}

std::map<std::string, std::string> read_sched(pid_t pid) {
  auto text = read_text_file(proc(pid) + "/sched");
  return text ? parse_sched(*text) : std::map<std::string, std::string>{};
}

std::map<std::string, std::string> read_task_sched(pid_t pid, pid_t tid) {
  auto text = read_text_file(task(pid, tid) + "/sched");
  return text ? parse_sched(*text) : std::map<std::string, std::string>{};
}

std::vector<Mapping> read_maps(pid_t pid) {
  auto text = read_text_file(proc(pid) + "/maps");
  return text ? parse_maps(*text) : std::vector<Mapping>{};
}

std::vector<pid_t> list_tasks(pid_t pid) {
  std::vector<pid_t> tids;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(proc(pid) + "/task", ec)) {
    try {
      tids.push_back(static_cast<pid_t>(std::stol(e.path().filename().string())));
    } catch (const std::exception&) {
      // not a tid
    }
  }
  std::sort(tids.begin(), tids.end());
  return tids;
}

std::optional<std::size_t> count_open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc(pid) + "/fd", ec);
  if (ec) {
    return std::nullopt;
  }
  std::size_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

std::optional<std::string> read_link(const std::string& path) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  if (ec) {
    return std::nullopt;
  }
  return target.string();
}

std::optional<std::string> read_exe(pid_t pid) {
  return read_link(proc(pid) + "/exe");
}

std::optional<std::string> read_cwd(pid_t pid) {
  return read_link(proc(pid) + "/cwd");
}

std::optional<std::string> read_environ(pid_t pid) {
  return read_text_file(proc(pid) + "/environ");
}

std::optional<std::size_t> read_limits_count(pid_t pid) {
  auto text = read_text_file(proc(pid) + "/limits");
  return text ? std::optional(count_limits_entries(*text)) : std::nullopt;
}

std::optional<Autogroup> read_autogroup(pid_t pid) {
  auto line = read_first_line(proc(pid) + "/autogroup");
  return line ? parse_autogroup(*line) : std::nullopt;
}

std::optional<TaskStat> read_task_stat(pid_t pid, pid_t tid) {
  auto text = read_text_file(task(pid, tid) + "/stat");
  return text ? parse_task_stat(*text) : std::nullopt;
}

std::optional<std::string> read_wchan(pid_t pid, pid_t tid) {
  return read_first_line(task(pid, tid) + "/wchan");
}

}  // namespace conc::os
