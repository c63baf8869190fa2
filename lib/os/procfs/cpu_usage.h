#pragma once
// What other programs did with each CPU while an experiment ran. /proc/stat counts, per CPU,
// the clock ticks spent busy (user, nice, system, irq, softirq); between two snapshots, a CPU's
// busy time minus the experiment's own time on it is what everything else took. The kernel
// charges whole ticks (USER_HZ, 10 ms), so over a few hundred milliseconds the share is good to
// some percent: enough to tell a CPU other programs kept busy from a free one.
//
// others_load() and busiest() are pure; snapshot_cpu_usage() reads /proc/stat.

#include <cstdint>
#include <optional>
#include <vector>

#include "os/procfs/proc_parse.h"

namespace conc::os {

struct CpuUsageSnapshot {
  std::int64_t t_ns = 0;       // monotonic time of the reading
  std::vector<CpuTimes> cpus;  // indexed by CPU number
};
CpuUsageSnapshot snapshot_cpu_usage();

// Nanoseconds per /proc/stat tick (1e9 ÷ sysconf(_SC_CLK_TCK)).
double ns_per_clock_tick();

struct OtherLoad {
  int cpu = -1;
  double share = 0;  // of the interval, 0..1, that other programs kept this CPU busy
};
// For each CPU in `cpus`: (busy ticks × ns_per_tick − ours_ns[cpu]) ÷ (after.t_ns −
// before.t_ns), clamped to [0, 1]. ours_ns is indexed by CPU number (a missing entry counts as
// 0). A CPU absent from either snapshot is left out.
std::vector<OtherLoad> others_load(const CpuUsageSnapshot& before, const CpuUsageSnapshot& after,
                                   const std::vector<int>& cpus,
                                   const std::vector<std::int64_t>& ours_ns, double ns_per_tick);
// The CPU other programs took most of; nullopt for no CPU.
std::optional<OtherLoad> busiest(const std::vector<OtherLoad>& loads);

// The same over several intervals (the runs of an experiment, a few ms each): the time others
// took is summed before it is divided, so that a tick charged inside one short run and not
// the next averages out instead of being clamped run by run.
class OtherLoadMeter {
 public:
  explicit OtherLoadMeter(double ns_per_tick) : ns_per_tick_(ns_per_tick) {}
  // One interval: two snapshots around it and this experiment's time on each CPU meanwhile
  // (indexed by CPU number).
  void add(const CpuUsageSnapshot& before, const CpuUsageSnapshot& after,
           const std::vector<std::int64_t>& ours_ns);
  // Each CPU of `cpus` seen in every interval, with the share of all the intervals together.
  std::vector<OtherLoad> loads(const std::vector<int>& cpus) const;

 private:
  double ns_per_tick_;
  std::int64_t interval_ns_ = 0;
  std::vector<double> others_ns_;  // by CPU
  std::size_t cpus_seen_ = 0;      // CPUs present in every snapshot so far
};

}  // namespace conc::os
