#include "os/procfs/limits.h"

#include <pthread.h>
#include <unistd.h>

#include "os/sys/error.h"
#include "os/procfs/proc_parse.h"
#include "os/procfs/text_file.h"

namespace conc::os {

RLimit get_rlimit(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0) {
    throw_errno("getrlimit");
  }
  RLimit r;
  if (rl.rlim_cur != RLIM_INFINITY) {
    r.soft = rl.rlim_cur;
  }
  if (rl.rlim_max != RLIM_INFINITY) {
    r.hard = rl.rlim_max;
  }
  return r;
}

std::string format_ulimit_kib(const std::optional<std::uint64_t>& bytes) {
  return bytes ? std::to_string(*bytes / 1024) : "unlimited";
}

std::string format_ulimit_count(const std::optional<std::uint64_t>& count) {
  return count ? std::to_string(*count) : "unlimited";
}

std::size_t default_thread_stack_bytes() {
  pthread_attr_t attr;
  if (pthread_getattr_default_np(&attr) != 0) {
    throw_errno("pthread_getattr_default_np");
  }
  std::size_t size = 0;
  pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  return size;
}

std::size_t glibc_default_stack_for(const RLimit& stack_limit) {
  constexpr std::size_t kArchDefault = 2 * 1024 * 1024;  // x86-64 and aarch64
  if (!stack_limit.soft) {
    return kArchDefault;
  }
  // glibc also rounds to pages and enforces PTHREAD_STACK_MIN; the soft limit of a sane
  // system is already both.
  return static_cast<std::size_t>(*stack_limit.soft);
}

std::size_t page_size() {
  return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

namespace {
// The cgroup v2 folder of this process: "0::/path" in /proc/self/cgroup.
std::string own_cgroup_dir() {
  auto text = read_text_file("/proc/self/cgroup");
  if (!text) {
    return "";
  }
  const auto pos = text->find("0::");
  if (pos == std::string::npos) {
    return "";
  }
  std::string rel = text->substr(pos + 3, text->find('\n', pos) - pos - 3);
  return "/sys/fs/cgroup" + (rel == "/" ? std::string() : rel);
}
}  // namespace

TaskCaps read_task_caps() {
  TaskCaps caps;
  caps.threads_max = read_integer_file("/proc/sys/kernel/threads-max");
  caps.pid_max = read_integer_file("/proc/sys/kernel/pid_max");
  caps.max_map_count = read_integer_file("/proc/sys/vm/max_map_count");
  const std::string dir = own_cgroup_dir();
  if (!dir.empty()) {
    if (auto t = read_first_line(dir + "/pids.max")) {
      caps.cgroup_path = dir;
      caps.cgroup_pids_max = parse_cgroup_limit(*t);
    }
    caps.cgroup_pids_current = read_integer_file(dir + "/pids.current");
    if (auto t = read_first_line(dir + "/cpu.max")) {
      caps.cgroup_path = dir;
      caps.cgroup_cpu_max = parse_cgroup_cpu_max(*t);
    }
  }
  return caps;
}

}  // namespace conc::os
