// Lesson `c10k`: one N measured. N busy threads are created at a gate, released together, and
// watched through schedstat over a window; then a probe thread sleeps 1 ms at a time among
// them. Everything is joined on every path, Ctrl-C included (see os::BusyGroup).

#include <unistd.h>

#include <algorithm>

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

// The busy window: schedstat and sched of every worker, and its work counter read right after
// its files, so work and CPU time cover the same interval thread by thread. Counting is on only
// from just before the first reading to just after the last.
void busy_window(Row& row, os::BusyGroup& group, std::int64_t ns) {
  const auto tids = group.tids();
  os::SchedWindow window(::getpid(), tids, true,
                         [&group](std::size_t i) { return group.count(i); });
  group.open_window();
  window.begin();
  os::sleep_interruptible(ns);
  row.stats = window.end();
  group.close_window();
  for (const auto& t : row.stats.tasks) {
    row.progressed += t.work > 0 ? 1 : 0;
    if (const auto turn = t.mean_slice_ns()) {
      row.thread_turns_ns.push_back(*turn);
    }
  }
  if (!tids.empty()) {
    if (auto v = os::sched_number(os::read_task_sched(::getpid(), tids.front()), "se.slice")) {
      row.se_slice_ns = static_cast<std::int64_t>(*v);
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
  for (int i = 0; i < 100 && probe.tid() == 0; ++i) {
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
std::size_t probe_window(Row& row, std::optional<os::WakeProbe>& probe, os::BusyGroup& group,
                         int cpu, std::int64_t ns) {
  probe.emplace(os::WakeProbe::Options{cpu, kProbePeriodNs, kMaxProbeSamples});
  row.probe_error = probe->create_error();
  if (row.probe_error != 0) {
    return 0;
  }
  os::SchedWindow turns(::getpid(), group.tids(), false);
  turns.begin();
  const auto wait0 = probe_wait_ns(*probe);
  const std::size_t samples0 = probe->samples_so_far();
  os::sleep_interruptible(ns);
  // A wake-up can wait up to a round when others share the CPU: go on, up to twice the window,
  // until there are enough wake-ups for a p99.
  for (std::int64_t extra = 0; probe->samples_so_far() < kMinProbeSamples && extra < ns;
       extra += 10 * kMs) {
    os::sleep_interruptible(10 * kMs);
  }
  const std::size_t samples1 = probe->samples_so_far();
  const auto wait1 = probe_wait_ns(*probe);
  if (row.created >= 2) {
    row.turn_with_sleeper_ns = turns.end().mean_slice_ns();
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

}  // namespace

Row measure_one(const Settings& s, int n, Windows w) {
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
    std::size_t probe_cutoff = 0;
    if (row.ready) {
      group.start();
      os::sleep_interruptible(kSettleNs);
      busy_window(row, group, w.busy_ns);
      record_stacks(row, group);
      if (w.probe_ns > 0) {
        probe_cutoff = probe_window(row, probe, group, s.cpu, w.probe_ns);
      }
    }
    // Only Ctrl-C stops a group before stop(): its workers saw it before this thread did.
    stopped_by_signal = group.stopping();
    group.stop();
    if (probe) {
      keep_probe_samples(row, probe->stop(), probe_cutoff);
    }
  }
  if (stopped_by_signal) {
    throw os::Interrupted();
  }
  row.left_behind = settle_tasks(s.baseline_tasks);
  return row;
}

std::size_t tasks_now() {
  return os::list_tasks(::getpid()).size();
}

}  // namespace conc::lessons::c10k
