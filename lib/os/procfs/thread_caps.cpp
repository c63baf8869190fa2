#include "os/procfs/thread_caps.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "os/procfs/proc_read.h"
#include "os/procfs/text_file.h"

namespace conc::os {

std::vector<ThreadCap> thread_caps(const ThreadCapInput& in) {
  std::vector<ThreadCap> caps;
  auto add = [&](std::string name, std::string where, long long limit, long long in_use,
                 int per_thread) {
    const long long room = std::max(0LL, limit - in_use) / std::max(per_thread, 1);
    caps.push_back({std::move(name), std::move(where), limit, in_use, room});
  };
  const long long tasks = in.tasks_on_system.value_or(0);
  if (in.nproc.soft && in.nproc_enforced) {
    // Counts this user's tasks; the system's total is an upper bound of that.
    add("RLIMIT_NPROC", "ulimit -u", static_cast<long long>(*in.nproc.soft), tasks, 1);
  }
  if (in.caps.threads_max) {
    add("threads-max", "/proc/sys/kernel/threads-max", *in.caps.threads_max, tasks, 1);
  }
  if (in.caps.pid_max) {
    add("pid_max", "/proc/sys/kernel/pid_max", *in.caps.pid_max, tasks, 1);
  }
  if (in.caps.max_map_count) {
    add("max_map_count", "/proc/sys/vm/max_map_count", *in.caps.max_map_count,
        in.maps_in_use.value_or(0), in.maps_per_thread);
  }
  if (in.caps.cgroup_pids_max) {
    add("cgroup pids.max", in.caps.cgroup_path + "/pids.max", *in.caps.cgroup_pids_max,
        in.caps.cgroup_pids_current.value_or(0), 1);
  }
  return caps;
}

std::optional<ThreadCap> tightest_cap(const std::vector<ThreadCap>& caps) {
  auto it = std::min_element(caps.begin(), caps.end(),
                             [](const auto& a, const auto& b) { return a.headroom < b.headroom; });
  return it == caps.end() ? std::nullopt : std::optional<ThreadCap>(*it);
}

std::optional<long long> parse_loadavg_tasks(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  long long v = 0;
  const char* begin = text.data() + slash + 1;
  auto [p, ec] = std::from_chars(begin, text.data() + text.size(), v);
  if (ec != std::errc{} || p == begin) {
    return std::nullopt;
  }
  return v;
}

ThreadCapInput read_thread_cap_input() {
  ThreadCapInput in;
  in.caps = read_task_caps();
  in.nproc = get_rlimit(RLIMIT_NPROC);
  in.nproc_enforced = ::geteuid() != 0;
  if (auto text = read_text_file("/proc/loadavg")) {
    in.tasks_on_system = parse_loadavg_tasks(*text);
  }
  in.maps_in_use = static_cast<long long>(read_maps(::getpid()).size());
  return in;
}

}  // namespace conc::os
