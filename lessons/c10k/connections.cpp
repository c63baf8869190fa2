// Lesson `c10k`, the connection half: three echo servers over the same N connections.
#include "lessons/c10k/connections.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "os/procfs/proc_read.h"
#include "os/procfs/system_wide.h"
#include "os/procfs/task_parse.h"
#include "os/procfs/thread_caps.h"
#include "os/sys/clock.h"
#include "os/workloads/echo_load.h"
#include "report/stats.h"
#include "report/units.h"
#include "runtime/netpoll.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::c10k {

namespace {

constexpr std::size_t kQuickConnections = 1'000;
constexpr double kWindowNs = 2e9;
constexpr double kQuickWindowNs = 0.4e9;
// Descriptors kept for everything else the process has open (the lesson, the runtime's epoll).
constexpr std::uint64_t kSpareFds = 256;
// Tasks and mappings left for the rest of the machine when threads are capped by a limit.
constexpr long long kSpareTasks = 512;
constexpr std::uint64_t kClientSeed = 0x10c10c;

// What a server costs, seen from outside: this process's resident memory and the kernel's
// own memory that grows with it (thread kernel stacks; socket and epoll structures in Slab).
struct MemorySnapshot {
  double resident = 0;
  double kernel = 0;
};

MemorySnapshot take_snapshot() {
  MemorySnapshot m;
  if (const auto st = os::read_status(::getpid()); st && st->vm_rss_kib) {
    m.resident = static_cast<double>(*st->vm_rss_kib) * 1024;
  }
  if (const auto text = os::read_meminfo()) {
    for (const char* key : {"KernelStack", "Slab"}) {
      m.kernel += static_cast<double>(os::parse_meminfo_kib(*text, key).value_or(0)) * 1024;
    }
  }
  return m;
}

long task_count() {
  return static_cast<long>(os::list_tasks(::getpid()).size());
}

// The common frame of the three runs: connections made, the server started by `serve` (which
// returns how many it took on), memory and tasks read while it serves, the load, teardown.
template <class Start, class Stop>
ServerRun run_one(const char* name, const ConnectionPlan& plan, Start&& start, Stop&& stop) {
  ServerRun r;
  r.name = name;
  os::Connections conns = os::make_connections(plan.connections);
  r.asked = conns.client.size();
  const MemorySnapshot before = take_snapshot();
  const std::int64_t t0 = os::monotonic_ns();
  r.reached = start(conns, r.stopped_by);
  r.setup_ns = static_cast<double>(os::monotonic_ns() - t0);
  const MemorySnapshot during = take_snapshot();
  r.kernel_threads = task_count();
  const double reached = static_cast<double>(std::max<std::size_t>(r.reached, 1));
  r.resident_per_conn = std::max(0.0, during.resident - before.resident) / reached;
  r.kernel_per_conn = std::max(0.0, during.kernel - before.kernel) / reached;

  std::vector<int> served(conns.client.begin(),
                          conns.client.begin() + static_cast<std::ptrdiff_t>(r.reached));
  const std::size_t active = std::max<std::size_t>(
      1, static_cast<std::size_t>(static_cast<double>(r.reached) * kActiveShare));
  const std::int64_t cpu0 = os::process_cpu_ns();
  os::EchoLoadResult load = os::drive_echo_load(
      served, active, std::chrono::nanoseconds(static_cast<std::int64_t>(plan.window_ns)),
      kClientSeed);
  const std::int64_t cpu = os::process_cpu_ns() - cpu0;
  conns.close_clients();  // every server sees end of file and lets its connection go
  stop(conns);

  r.requests = load.requests;
  r.window_ns = load.window_ns;
  r.broken = load.broken;
  std::sort(load.latencies_ns.begin(), load.latencies_ns.end());
  if (!load.latencies_ns.empty()) {
    r.p50_ns = report::percentile_of_sorted(load.latencies_ns, 50);
    r.p99_ns = report::percentile_of_sorted(load.latencies_ns, 99);
  }
  if (load.window_ns > 0) {
    r.requests_per_s = static_cast<double>(load.requests) / (load.window_ns / 1e9);
  }
  if (load.requests > 0) {
    r.server_cpu_ns_per_request =
        static_cast<double>(std::max<std::int64_t>(cpu - load.client_cpu_ns, 0)) /
        static_cast<double>(load.requests);
  }
  return r;
}

ServerRun run_threads(const ConnectionPlan& plan, std::size_t thread_room,
                      const std::string& room_name) {
  os::ThreadPerConnection server;
  return run_one(
      "thread per connection", plan,
      [&](os::Connections& c, std::string& stopped_by) {
        std::vector<int> fds = c.server;
        if (fds.size() > thread_room) {
          fds.resize(thread_room);
          stopped_by = room_name;
        }
        int err = 0;
        const std::size_t n = server.start(fds, err);
        if (err != 0) {
          stopped_by = fmt::format("pthread_create: {} ({})", std::strerror(err),
                                   err == EAGAIN ? "a limit on tasks, mappings or memory" : "?");
        }
        return n;
      },
      [&](os::Connections& c) {
        server.join();
        c.close_servers();
      });
}

ServerRun run_epoll(const ConnectionPlan& plan) {
  os::EpollEchoServer server;
  return run_one(
      "one epoll loop", plan,
      [&](os::Connections& c, std::string&) {
        server.start(c.server);
        return c.server.size();
      },
      [&](os::Connections& c) {
        server.stop();
        c.close_servers();
      });
}

// Go's answer: the code of the threaded server, a goroutine per connection; a read that would
// block parks the goroutine on the runtime's netpoller instead of blocking a thread.
void serve_connection(rt::PollFd& conn) {
  char buf[os::kEchoRequestBytes];
  for (;;) {
    const rt::IoResult got = conn.read(buf, sizeof buf);
    if (!got.ok() || got.bytes == 0 || !conn.write(buf, got.bytes).ok()) {
      return;
    }
  }
}

ServerRun run_goroutines(const ConnectionPlan& plan) {
  std::thread runtime;
  std::atomic<bool> serving{false};
  return run_one(
      "goroutine per connection", plan,
      [&](os::Connections& c, std::string&) {
        std::vector<int> fds = std::move(c.server);  // each PollFd owns and closes its fd
        c.server.clear();
        const std::size_t n = fds.size();
        runtime = std::thread([fds = std::move(fds), &serving] {
          rt::run([&] {
            rt::WaitGroup started, finished;
            started.add(static_cast<int>(fds.size()));
            finished.add(static_cast<int>(fds.size()));
            for (int fd : fds) {
              rt::go([fd, &started, &finished] {
                rt::PollFd conn(fd);
                started.done();
                serve_connection(conn);
                finished.done();
              });
            }
            started.wait();
            serving.store(true);
            finished.wait();
          });
        });
        while (!serving.load()) {  // no interruption here: the runtime's thread must be joined
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return n;
      },
      [&](os::Connections&) { runtime.join(); });
}

}  // namespace

ConnectionPlan plan_connections(std::size_t asked, bool quick) {
  ConnectionPlan p;
  p.connections = quick ? std::min(asked, kQuickConnections) : asked;
  p.window_ns = quick ? kQuickWindowNs : kWindowNs;
  p.fd_limit = os::raise_fd_limit(2 * p.connections + kSpareFds);
  p.notes.push_back(fmt::format(
      "RLIMIT_NOFILE was raised for this experiment (to its hard limit, or past it where this "
      "process may): {} descriptors",
      report::format_count(static_cast<std::int64_t>(p.fd_limit))));
  // Two descriptors per connection (the client's end and the server's).
  const std::uint64_t by_fds = p.fd_limit > kSpareFds ? (p.fd_limit - kSpareFds) / 2 : 0;
  if (p.connections > by_fds) {
    p.notes.push_back(
        fmt::format("N scaled down from {} to {}: each connection takes two of the "
                    "{} descriptors allowed",
                    p.connections, by_fds, p.fd_limit));
    p.connections = static_cast<std::size_t>(by_fds);
  }
  p.active = std::max<std::size_t>(
      1, static_cast<std::size_t>(static_cast<double>(p.connections) * kActiveShare));
  return p;
}

std::vector<ServerRun> run_servers(const ConnectionPlan& plan) {
  const auto caps = os::thread_caps(os::read_thread_cap_input());
  std::size_t room = plan.connections;
  std::string room_name;
  if (const auto tight = os::tightest_cap(caps);
      tight && tight->headroom - kSpareTasks < static_cast<long long>(room)) {
    room = static_cast<std::size_t>(std::max<long long>(tight->headroom - kSpareTasks, 0));
    room_name = fmt::format("{} ({}: {} allowed, {} left for the rest of the machine)", tight->name,
                            tight->where, tight->limit, kSpareTasks);
  }
  std::vector<ServerRun> runs;
  runs.push_back(run_threads(plan, room, room_name));
  LessonContext::check_interrupted();
  runs.push_back(run_epoll(plan));
  LessonContext::check_interrupted();
  runs.push_back(run_goroutines(plan));
  return runs;
}

void report_connections(LessonContext& ctx, const ConnectionPlan& plan,
                        const std::vector<ServerRun>& runs) {
  ctx.explain(
      "C10K, the connections",
      fmt::format(
          "Kegel's C10K problem was about connections, not busy threads: a server with {} "
          "clients, most of them idle at any moment. Here {} connections (Unix socketpairs), "
          "{} of them with a request in flight at a time ({}), for {} per server. The client "
          "sends {} bytes and waits for the echo, then picks another connection at random.\n\n"
          "Three servers, one after the other: a thread per connection blocked in read(); one "
          "thread with one epoll instance over every connection (the C10K paper's answer); and "
          "a goroutine per connection, written like the threaded server, whose blocked reads "
          "park the goroutine on the runtime's netpoller (one epoll instance) instead of "
          "holding a thread (Go's answer).",
          report::format_count(static_cast<std::int64_t>(plan.connections)),
          report::format_count(static_cast<std::int64_t>(plan.connections)), plan.active,
          report::format_percent(kActiveShare), report::format_ns(plan.window_ns),
          os::kEchoRequestBytes));
  for (const auto& note : plan.notes) {
    ctx.warn(note);
  }
  report::Table t{"connection_servers",
                  "Three servers, same connections",
                  {"server", "served", "setup", "memory/conn", "kernel/conn", "threads", "p50",
                   "p99", "requests/s", "CPU/request"},
                  {},
                  "memory/conn: growth of this process's resident memory; kernel/conn: growth "
                  "of KernelStack + Slab in /proc/meminfo (kernel stacks, socket and epoll "
                  "structures), both divided by the connections served; threads: entries of "
                  "/proc/self/task while serving; CPU/request: this process's CPU time minus "
                  "the client thread's, per request"};
  for (const auto& r : runs) {
    t.rows.push_back({r.name, static_cast<std::int64_t>(r.reached), report::format_ns(r.setup_ns),
                      report::format_bytes(r.resident_per_conn),
                      report::format_bytes(r.kernel_per_conn),
                      static_cast<std::int64_t>(r.kernel_threads), report::format_ns(r.p50_ns),
                      report::format_ns(r.p99_ns),
                      report::format_count(static_cast<std::int64_t>(r.requests_per_s)),
                      report::format_ns(r.server_cpu_ns_per_request)});
    if (!r.stopped_by.empty()) {
      ctx.warn(fmt::format("{} served {} of {} connections: stopped by {}", r.name, r.reached,
                           r.asked, r.stopped_by));
    }
    if (r.broken > 0) {
      ctx.warn(fmt::format("{}: {} connections broke during the load", r.name, r.broken));
    }
  }
  ctx.report().add(std::move(t));
  report::BarChart chart{
      "connection_memory", "Memory per connection (resident + kernel)", "B", false, {}};
  for (const auto& r : runs) {
    chart.bars.push_back({r.name, r.resident_per_conn + r.kernel_per_conn,
                          report::format_bytes(r.resident_per_conn + r.kernel_per_conn)});
  }
  ctx.report().add(std::move(chart));
}

}  // namespace conc::lessons::c10k
