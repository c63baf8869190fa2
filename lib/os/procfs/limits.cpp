#include "os/procfs/limits.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "os/procfs/proc_parse.h"
#include "os/procfs/text_file.h"

namespace conc::os {

RLimit get_rlimit(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0) {
    throw std::system_error(errno, std::generic_category(), "getrlimit");
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
    throw std::system_error(errno, std::generic_category(), "pthread_getattr_default_np");
  }
  std::size_t size = 0;
  pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  return size;
}

std::size_t glibc_default_stack_for(const RLimit& stack_limit) {
  constexpr std::size_t kArchDefault = std::size_t{2} * 1024 * 1024;  // x86-64 and aarch64
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
  const auto path = text ? parse_cgroup_v2_path(*text) : std::nullopt;
  return path ? cgroup_dir("/sys/fs/cgroup", *path) : "";
}
}  // namespace

std::optional<long long> read_cgroup_v1_pids_headroom() {
  auto text = read_text_file("/proc/self/cgroup");
  const auto path = text ? parse_cgroup_v1_pids_path(*text) : std::nullopt;
  if (!path) {
    return std::nullopt;
  }
  const std::string dir = cgroup_dir("/sys/fs/cgroup/pids", *path);
  const auto max = read_first_line(dir + "/pids.max");
  const auto limit = max ? parse_cgroup_limit(*max) : std::nullopt;
  const auto current = read_integer_file(dir + "/pids.current");
  if (!limit) {
    return std::nullopt;
  }
  return *limit - current.value_or(0);
}

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
