#pragma once
// Lesson `c10k`, the connection half (Kegel's C10K): N connections, 1% busy at a time, served
// by a thread per connection, by one epoll loop in one thread, and by a goroutine per
// connection on the runtime's netpoller. What each server costs per connection and how fast it
// answers, measured one after the other in the same run.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lessons/common/lesson.h"

namespace conc::lessons::c10k {

// The share of connections with a request in flight at any moment.
inline constexpr double kActiveShare = 0.01;

struct ServerRun {
  std::string name;              // "thread per connection", "epoll loop", "goroutines"
  std::size_t asked = 0;         // connections offered
  std::size_t reached = 0;       // connections the server took on
  std::string stopped_by;        // why it took fewer ("" when it reached all)
  double setup_ns = 0;           // from the first connection offered to all being served
  double resident_per_conn = 0;  // growth of VmRSS / reached
  double kernel_per_conn = 0;    // growth of KernelStack + Slab / reached
  long kernel_threads = 0;       // entries of /proc/self/task while serving
  std::uint64_t requests = 0;
  double window_ns = 0;
  double p50_ns = 0, p99_ns = 0;
  double requests_per_s = 0;
  double server_cpu_ns_per_request = 0;  // process CPU minus the client's, per request
  std::uint64_t broken = 0;
};

struct ConnectionPlan {
  std::size_t connections = 0;
  std::size_t active = 0;
  double window_ns = 0;
  std::uint64_t fd_limit = 0;
  std::vector<std::string> notes;  // limits that scaled N down, and the fd limit raised
};

// How many connections this machine has room for (fds, tasks, mappings, memory), from `asked`.
ConnectionPlan plan_connections(std::size_t asked, bool quick);

// Runs the three servers one after the other.
std::vector<ServerRun> run_servers(const ConnectionPlan& plan);

// The tables, chart and measurements of the three runs.
void report_connections(LessonContext& ctx, const ConnectionPlan& plan,
                        const std::vector<ServerRun>& runs);

}  // namespace conc::lessons::c10k
