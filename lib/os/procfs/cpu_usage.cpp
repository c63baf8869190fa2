#include "os/procfs/cpu_usage.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "os/procfs/task_parse.h"
#include "os/procfs/text_file.h"

namespace conc::os {

CpuUsageSnapshot snapshot_cpu_usage() {
  CpuUsageSnapshot s;
  if (auto text = read_text_file("/proc/stat")) {
    s.cpus = parse_proc_stat_per_cpu(*text);
  }
  // steady_clock is CLOCK_MONOTONIC, the clock of os::monotonic_ns().
  s.t_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count();
  return s;
}

double ns_per_clock_tick() {
  const long hz = ::sysconf(_SC_CLK_TCK);
  return 1e9 / static_cast<double>(hz > 0 ? hz : 100);
}

std::vector<OtherLoad> others_load(const CpuUsageSnapshot& before, const CpuUsageSnapshot& after,
                                   const std::vector<int>& cpus,
                                   const std::vector<std::int64_t>& ours_ns, double ns_per_tick) {
  OtherLoadMeter meter(ns_per_tick);
  meter.add(before, after, ours_ns);
  return meter.loads(cpus);
}

void OtherLoadMeter::add(const CpuUsageSnapshot& before, const CpuUsageSnapshot& after,
                         const std::vector<std::int64_t>& ours_ns) {
  const std::size_t n = std::min(before.cpus.size(), after.cpus.size());
  cpus_seen_ = interval_ns_ == 0 && others_ns_.empty() ? n : std::min(cpus_seen_, n);
  others_ns_.resize(std::max(others_ns_.size(), n), 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const double busy =
        static_cast<double>(after.cpus[k].busy - before.cpus[k].busy) * ns_per_tick_;
    others_ns_[k] += busy - (k < ours_ns.size() ? static_cast<double>(ours_ns[k]) : 0.0);
  }
  interval_ns_ += std::max<std::int64_t>(0, after.t_ns - before.t_ns);
}

std::vector<OtherLoad> OtherLoadMeter::loads(const std::vector<int>& cpus) const {
  std::vector<OtherLoad> loads;
  if (interval_ns_ <= 0) {
    return loads;
  }
  for (const int c : cpus) {
    const auto k = static_cast<std::size_t>(c);
    if (c >= 0 && k < cpus_seen_) {
      loads.push_back({c, std::clamp(others_ns_[k] / static_cast<double>(interval_ns_), 0.0, 1.0)});
    }
  }
  return loads;
}

std::optional<OtherLoad> busiest(const std::vector<OtherLoad>& loads) {
  const auto it = std::max_element(loads.begin(), loads.end(),
                                   [](const auto& a, const auto& b) { return a.share < b.share; });
  return it == loads.end() ? std::nullopt : std::optional<OtherLoad>(*it);
}

}  // namespace conc::os
