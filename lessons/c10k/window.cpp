// Lesson `c10k`: one N measured. N busy threads are created at a gate, released together, and
// watched through schedstat over a window; then a probe thread sleeps 1 ms at a time among
// them. Everything is joined on every path, Ctrl-C included (see os::BusyGroup).

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "lessons/c10k/parts.h"
#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/thread_stack.h"
#include "os/workloads/busy_group.h"
#include "os/workloads/sched_sampler.h"
#include "os/workloads/wake_probe.h"
#include "report/stats.h"

namespace conc::lessons::c10k {

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr auto kReadyTimeout = std::chrono::milliseconds(20'000);
// Joined threads leave /proc a moment after join returns: wait this long for the count.
constexpr std::int64_t kSettleTasksNs = 500 * kMs;
// The probe thread has this long to start running among the busy threads.
constexpr std::int64_t kProbeStartNs = 10 * kMs;

// Each snapshot of a window stops reading after this long (the threads not yet read are left
// out and the row says so): never less than kMinReadBoundNs, else a share of the window.
std::int64_t read_bound_ns(std::int64_t window_ns) {
  return std::max(kMinReadBoundNs,
                  static_cast<std::int64_t>(kReadBoundShare * static_cast<double>(window_ns)));
}

// Adds the wall and CPU time of this thread between start() and stop() to two totals: what
// reading /proc cost, and whether the reader was running or waiting for its CPU meanwhile.
class ReadClock {
 public:
  ReadClock(std::int64_t& wall_ns, std::int64_t& cpu_ns) : wall_ns_(wall_ns), cpu_ns_(cpu_ns) {}
  void start() {
    wall0_ = os::monotonic_ns();
    cpu0_ = os::thread_cpu_ns();
  }
  void stop() {
    wall_ns_ += os::monotonic_ns() - wall0_;
    cpu_ns_ += os::thread_cpu_ns() - cpu0_;
  }

 private:
  std::int64_t& wall_ns_;
  std::int64_t& cpu_ns_;
  std::int64_t wall0_ = 0, cpu0_ = 0;
};

// The busy window: schedstat and sched of every worker, and its work counter read right after
// its files, so work and CPU time cover the same interval thread by thread. Counting is on only
// from just before the first reading to just after the last.
void busy_window(Row& row, os::BusyGroup& group, const os::TaskFiles& files, std::int64_t ns) {
  os::SchedWindow window(
      files, true, [&group](std::size_t i) { return group.count(i); }, read_bound_ns(ns));
  ReadClock read(row.took.busy_read_ns, row.took.read_cpu_ns);
  read.start();
  group.open_window();
  window.begin();
  read.stop();
  os::sleep_interruptible(ns);
  read.start();
  row.stats = window.end();
  group.close_window();
  read.stop();
  row.unread = row.stats.tasks_unread;
  for (const auto& t : row.stats.tasks) {
    row.progressed += t.work > 0 ? 1 : 0;
    if (const auto turn = t.mean_slice_ns()) {
      row.thread_turns_ns.push_back(*turn);
    }
  }
  if (!files.tids().empty()) {
    if (const auto sched = files.sched(0); sched && sched->slice_ns) {
      row.se_slice_ns = *sched->slice_ns;
    }
  }
}

// What each thread's stack reserves and how much of it is in memory, median over the threads.
void record_stacks(Row& row, const os::BusyGroup& group) {
  std::vector<double> reserved, touched;
  for (const auto& s : group.stacks()) {
    if (s.bytes > 0) {
      reserved.push_back(static_cast<double>(s.reserved()));
      touched.push_back(static_cast<double>(os::resident_bytes(s.low, s.bytes)));
    }
  }
  row.stack_reserved = report::median(std::move(reserved));
  row.stack_touched = report::median(std::move(touched));
}

// The probe's own run-queue wait so far (schedstat wait_ns), once its thread runs.
std::optional<std::int64_t> probe_wait_ns(const os::WakeProbe& probe) {
  // Bounded by the clock, not by a count of sleeps: each wake-up of this thread can itself wait
  // for its CPU.
  const auto deadline = os::monotonic_ns() + kProbeStartNs;
  while (probe.tid() == 0 && os::monotonic_ns() < deadline) {
    os::sleep_interruptible(100'000);
  }
  if (probe.tid() == 0) {
    return std::nullopt;
  }
  const auto s = os::read_schedstat(::getpid(), probe.tid());
  return s ? std::optional<std::int64_t>(s->wait_ns) : std::nullopt;
}

// The probe window: a thread on the same CPU sleeps 1 ms at a time, while the busy threads'
// turns are read again (the second window). Returns how many wake-ups it had recorded when
// the window ended.
std::size_t probe_window(Row& row, std::optional<os::WakeProbe>& probe, const os::TaskFiles& files,
                         int cpu, std::int64_t ns) {
  probe.emplace(os::WakeProbe::Options{cpu, kProbePeriodNs, kMaxProbeSamples});
  row.probe_error = probe->create_error();
  if (row.probe_error != 0) {
    return 0;
  }
  os::SchedWindow turns(files, false, {}, read_bound_ns(ns));
  ReadClock read(row.took.probe_read_ns, row.took.read_cpu_ns);
  read.start();
  turns.begin();
  read.stop();
  const auto wait0 = probe_wait_ns(*probe);
  const std::size_t samples0 = probe->samples_so_far();
  const auto window_start = os::monotonic_ns();
  os::sleep_interruptible(ns);
  // A wake-up can wait up to a round when others share the CPU: go on, up to twice the window
  // by the clock (each of these short sleeps can end late when this thread waits for its
  // CPU), until there are enough wake-ups for a p99.
  const auto stretch_end = window_start + 2 * ns;
  while (probe->samples_so_far() < kMinProbeSamples && os::monotonic_ns() < stretch_end) {
    os::sleep_interruptible(std::min(10 * kMs, stretch_end - os::monotonic_ns()));
  }
  const std::size_t samples1 = probe->samples_so_far();
  const auto wait1 = probe_wait_ns(*probe);
  if (row.created >= 2) {
    read.start();
    const auto stats = turns.end();
    read.stop();
    row.turn_with_sleeper_ns = stats.mean_slice_ns();
    row.probe_unread = stats.tasks_unread;
  }
  if (wait0 && wait1 && samples1 > samples0) {
    row.probe_run_delay_ns =
        static_cast<double>(*wait1 - *wait0) / static_cast<double>(samples1 - samples0);
  }
  return samples1;
}

// Wake-ups after `cutoff` came once the busy threads had stopped: not among them.
void keep_probe_samples(Row& row, std::vector<std::int64_t> samples, std::size_t cutoff) {
  samples.resize(std::min(samples.size(), cutoff));
  if (!samples.empty()) {
    double sum = 0;
    for (const auto v : samples) {
      sum += static_cast<double>(v);
    }
    row.probe_mean_late_ns = sum / static_cast<double>(samples.size());
    row.first_wake_ns = samples.front();
    row.lateness_ns.assign(samples.begin() + 1, samples.end());
  }
}

// join returns once a thread has cleared its tid; the kernel drops it from the thread group a
// moment later. Waits (boundedly) for the count to settle; returns the tasks left over.
long settle_tasks(std::size_t baseline) {
  const auto t0 = os::monotonic_ns();
  while (tasks_now() > baseline && os::monotonic_ns() - t0 < kSettleTasksNs) {
    os::sleep_interruptible(200'000);
  }
  return static_cast<long>(tasks_now()) - static_cast<long>(baseline);
}

// The monotonic clock in laps: next() is the time since the previous call (or construction).
class Laps {
 public:
  std::int64_t next() {
    const auto now = os::monotonic_ns();
    return now - std::exchange(last_, now);
  }
  std::int64_t since_start() const { return os::monotonic_ns() - start_; }

 private:
  std::int64_t start_ = os::monotonic_ns();
  std::int64_t last_ = start_;
};

}  // namespace

Row measure_one(const Settings& s, int n, Windows w) {
  Laps lap;
  const auto cpu_at_start = os::thread_cpu_ns();
  Row row;
  row.requested = n;
  row.window_ns = w.busy_ns;
  row.probe_window_ns = w.probe_ns;
  bool stopped_by_signal = false;
  {
    // Declared first so that it is destroyed last: the busy threads stop before the probe is
    // joined, and the probe then gets the CPU at once instead of after a round.
    std::optional<os::WakeProbe> probe;
    os::BusyGroup group({n, s.cpu, 0, kRoundsPerUnit, os::current_tid()});
    row.created = group.created();
    row.error = group.create_error();
    row.ready = row.created > 0 && group.wait_ready(kReadyTimeout);
    row.took.create_ns = lap.next();
    row.took.create_cpu_ns = os::thread_cpu_ns() - cpu_at_start;
    std::size_t probe_cutoff = 0;
    if (row.ready) {
      // Opened while the threads wait at the gate: the reader still has its CPU to itself.
      const os::TaskFiles files(::getpid(), group.tids(), true);
      row.took.open_ns = lap.next();
      group.start();
      os::sleep_interruptible(kSettleNs);
      lap.next();
      busy_window(row, group, files, w.busy_ns);
      record_stacks(row, group);
      row.took.busy_ns = lap.next();
      if (w.probe_ns > 0) {
        probe_cutoff = probe_window(row, probe, files, s.cpu, w.probe_ns);
      }
      row.took.probe_ns = lap.next();
    }
    // Only Ctrl-C stops a group before stop(): its workers saw it before this thread did.
    stopped_by_signal = group.stopping();
    const auto cpu0 = os::thread_cpu_ns();
    group.stop();
    if (probe) {
      keep_probe_samples(row, probe->stop(), probe_cutoff);
    }
    row.took.stop_cpu_ns = os::thread_cpu_ns() - cpu0;
  }
  row.took.stop_ns = lap.next();
  if (stopped_by_signal) {
    throw os::Interrupted();
  }
  row.left_behind = settle_tasks(s.baseline_tasks);
  row.took.settle_ns = lap.next();
  row.took.total_ns = lap.since_start();
  return row;
}

std::size_t tasks_now() {
  return os::list_tasks(::getpid()).size();
}

}  // namespace conc::lessons::c10k
