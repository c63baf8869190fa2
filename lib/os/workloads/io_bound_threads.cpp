#include "os/workloads/io_bound_threads.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/rusage.h"
#include "os/sys/thread.h"

namespace conc::os {

namespace {

constexpr int kCalibrationRequests = 200;
constexpr int kCalibrationBatches = 5;
constexpr std::uint64_t kStopValue = 1ULL << 40;

std::atomic<std::uint64_t> g_sink{0};

// One request's work: a dependent arithmetic loop (no memory traffic, no system call).
void do_work(long units) {
  std::uint64_t x = 88172645463325252ULL;
  for (long i = 0; i < units; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  g_sink.fetch_add(x, std::memory_order_relaxed);
}

class EventFd {
 public:
  EventFd() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) {
      throw std::system_error(errno, std::generic_category(), "eventfd");
    }
  }
  ~EventFd() { ::close(fd_); }
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  void add(std::uint64_t v) const {
    while (::write(fd_, &v, sizeof v) < 0 && errno == EINTR) {
    }
  }
  std::uint64_t take() const {  // blocks until non-zero; returns and resets the counter
    std::uint64_t v = 0;
    while (::read(fd_, &v, sizeof v) < 0) {
      if (errno != EINTR) {
        return kStopValue;
      }
    }
    return v;
  }

 private:
  int fd_;
};

struct Load {
  std::vector<std::unique_ptr<EventFd>> inbox;  // one per worker
  std::unique_ptr<std::atomic<pid_t>[]> tids;   // each worker's, once it runs (0 before)
  EventFd done;
  std::atomic<bool> stop{false};
  std::atomic<long> requests{0};
};

void worker(Load& load, const EventFd& inbox, std::atomic<pid_t>& tid, long units) {
  tid.store(current_tid(), std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t v = inbox.take();
    if (v >= kStopValue || load.stop.load()) {
      return;
    }
    do_work(units);
    load.requests.fetch_add(1, std::memory_order_relaxed);
    load.done.add(1);
  }
}

void driver(Load& load, std::size_t workers) {
  while (!load.stop.load()) {
    for (std::size_t i = 0; i < workers; ++i) {
      load.inbox[i]->add(1);
    }
    std::uint64_t completed = 0;
    while (completed < workers) {
      const std::uint64_t v = load.done.take();
      if (v >= kStopValue || load.stop.load()) {
        return;
      }
      completed += v;
    }
  }
}

double calibrate_work_ns(int cpu, long units) {
  double best = 0;
  Thread t;
  const int err = Thread::start(t,
                                [&] {
                                  for (int b = 0; b < kCalibrationBatches; ++b) {
                                    const std::int64_t t0 = thread_cpu_ns();
                                    for (int i = 0; i < kCalibrationRequests; ++i) {
                                      do_work(units);
                                    }
                                    const double per = static_cast<double>(thread_cpu_ns() - t0) /
                                                       kCalibrationRequests;
                                    best = b == 0 ? per : std::min(best, per);
                                  }
                                },
                                {0, cpu});
  if (err != 0) {
    throw std::system_error(err, std::generic_category(), "starting the calibration thread");
  }
  t.join();
  return best;
}

// Stops the load on every path: the flag, a stop value in every eventfd, then the joins.
struct Running {
  Load& load;
  std::vector<Thread> threads;
  ~Running() {
    load.stop.store(true);
    for (auto& e : load.inbox) {
      e->add(kStopValue);
    }
    load.done.add(kStopValue);
    threads.clear();
  }
};

// The workers' own switches (voluntary + involuntary, /proc/self/task/<tid>/status) at one
// moment: what the driver and the rest of the process do is left out.
struct WorkerSwitches {
  std::vector<long long> per_worker;  // -1: not readable (the worker has not run yet)
  std::int64_t mid_ns = 0;            // the middle of the reading
};

WorkerSwitches read_worker_switches(const Load& load, std::size_t workers) {
  WorkerSwitches w;
  const std::int64_t t0 = monotonic_ns();
  for (std::size_t i = 0; i < workers; ++i) {
    const pid_t tid = load.tids[i].load(std::memory_order_relaxed);
    const auto st = tid > 0 ? read_task_status(::getpid(), tid) : std::nullopt;
    w.per_worker.push_back(st && st->voluntary_switches && st->involuntary_switches
                               ? *st->voluntary_switches + *st->involuntary_switches
                               : -1);
  }
  w.mid_ns = t0 + (monotonic_ns() - t0) / 2;
  return w;
}

// Σ over the workers read at both moments; sets `counted` to how many were.
long long switches_between(const WorkerSwitches& a, const WorkerSwitches& b, int& counted) {
  long long sum = 0;
  counted = 0;
  for (std::size_t i = 0; i < a.per_worker.size() && i < b.per_worker.size(); ++i) {
    if (a.per_worker[i] >= 0 && b.per_worker[i] >= 0) {
      sum += b.per_worker[i] - a.per_worker[i];
      ++counted;
    }
  }
  return sum;
}

}  // namespace

IoBoundResult run_io_bound(const IoBoundConfig& c) {
  if (c.threads < 1 || c.work_units < 1) {
    throw std::invalid_argument("io-bound load: at least one thread and one unit of work");
  }
  IoBoundResult r;
  r.threads_requested = c.threads;
  r.work_ns = calibrate_work_ns(c.cpu, c.work_units);
  Load load;
  for (int i = 0; i < c.threads; ++i) {
    load.inbox.push_back(std::make_unique<EventFd>());
  }
  load.tids = std::make_unique<std::atomic<pid_t>[]>(static_cast<std::size_t>(c.threads));
  Running running{load, {}};
  running.threads.reserve(static_cast<std::size_t>(c.threads) + 1);
  for (int i = 0; i < c.threads; ++i) {
    Thread t;
    const EventFd& inbox = *load.inbox[static_cast<std::size_t>(i)];
    std::atomic<pid_t>& tid = load.tids[static_cast<std::size_t>(i)];
    const int err = Thread::start(
        t, [&load, &inbox, &tid, units = c.work_units] { worker(load, inbox, tid, units); },
        {std::size_t{64} * 1024, c.cpu});
    if (err != 0) {
      r.limit = std::system_category().message(err);
      break;
    }
    running.threads.push_back(std::move(t));
  }
  r.threads_started = static_cast<int>(running.threads.size());
  if (r.threads_started == 0) {
    return r;
  }
  const auto workers = running.threads.size();
  Thread drv;
  const int err = Thread::start(drv, [&load, workers] { driver(load, workers); }, {0, c.cpu});
  if (err != 0) {
    throw std::system_error(err, std::generic_category(), "starting the io-bound driver");
  }
  running.threads.push_back(std::move(drv));
  sleep_interruptible(std::chrono::nanoseconds(c.warmup).count());
  const WorkerSwitches s0 = read_worker_switches(load, workers);
  const Rusage u0 = rusage_self();
  const long q0 = load.requests.load();
  const std::int64_t t0 = monotonic_ns();
  sleep_interruptible(std::chrono::nanoseconds(c.window).count());
  const Rusage u1 = rusage_self();
  const long q1 = load.requests.load();
  const std::int64_t t1 = monotonic_ns();
  const WorkerSwitches s1 = read_worker_switches(load, workers);
  const long long switches = switches_between(s0, s1, r.threads_counted);
  r.window_s = static_cast<double>(t1 - t0) / 1e9;
  const Rusage d = u1 - u0;
  const double cpu_s = d.user_s + d.system_s;
  r.requests_per_s = static_cast<double>(q1 - q0) / r.window_s;
  r.switches_per_s = s1.mid_ns > s0.mid_ns ? static_cast<double>(switches) * 1e9 /
                                                 static_cast<double>(s1.mid_ns - s0.mid_ns)
                                           : 0;
  r.cpu_share = cpu_s / r.window_s;
  r.kernel_share = cpu_s > 0 ? d.system_s / cpu_s : 0;
  const double useful_s = static_cast<double>(q1 - q0) * r.work_ns / 1e9;
  r.switching_share = cpu_s > 0 ? std::clamp(1 - useful_s / cpu_s, 0.0, 1.0) : 0;
  return r;
}

}  // namespace conc::os
