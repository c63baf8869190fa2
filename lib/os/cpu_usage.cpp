#include "os/cpu_usage.h"

#include <unistd.h>

#include <algorithm>

#include "os/clock.h"
#include "os/task_parse.h"
#include "os/text_file.h"

namespace conc::os {

CpuUsageSnapshot snapshot_cpu_usage() {
  CpuUsageSnapshot s;
  if (auto text = read_text_file("/proc/stat")) {
    s.cpus = parse_proc_stat_per_cpu(*text);
  }
  s.t_ns = monotonic_ns();
  return s;
}

double ns_per_clock_tick() {
  const long hz = ::sysconf(_SC_CLK_TCK);
  return 1e9 / static_cast<double>(hz > 0 ? hz : 100);
}

std::vector<OtherLoad> others_load(const CpuUsageSnapshot& before, const CpuUsageSnapshot& after,
                                   const std::vector<int>& cpus,
                                   const std::vector<std::int64_t>& ours_ns, double ns_per_tick) {
  std::vector<OtherLoad> loads;
  const auto interval = static_cast<double>(after.t_ns - before.t_ns);
  if (interval <= 0) {
    return loads;
  }
  for (const int c : cpus) {
    const auto k = static_cast<std::size_t>(c);
    if (c < 0 || k >= before.cpus.size() || k >= after.cpus.size()) {
      continue;
    }
    const double busy = static_cast<double>(after.cpus[k].busy - before.cpus[k].busy) * ns_per_tick;
    const double ours = k < ours_ns.size() ? static_cast<double>(ours_ns[k]) : 0.0;
    loads.push_back({c, std::clamp((busy - ours) / interval, 0.0, 1.0)});
  }
  return loads;
}

std::optional<OtherLoad> busiest(const std::vector<OtherLoad>& loads) {
  const auto it = std::max_element(loads.begin(), loads.end(),
                                   [](const auto& a, const auto& b) { return a.share < b.share; });
  return it == loads.end() ? std::nullopt : std::optional<OtherLoad>(*it);
}

}  // namespace conc::os
