#pragma once
// The machine a student is measuring on, gathered once: what `conc-lab info` prints and what
// every lesson's footer summarises. Anything unreadable here stays empty/nullopt with no error:
// a container without /proc/config.gz is still a machine to measure on.

#include <optional>
#include <string>
#include <vector>

#include "os/procfs/cpu_mitigations.h"
#include "os/procfs/limits.h"

namespace conc::os {

struct SystemInfo {
  std::string cpu_model;
  bool hypervisor = false;           // the cpuinfo "hypervisor" flag: we run in a VM guest
  std::string meltdown;              // /sys/.../vulnerabilities/meltdown, e.g. "Mitigation: PTI"
  PtiState pti = PtiState::unknown;  // parsed from `meltdown`
  TlbTagFlags tlb_tags;              // pcid/invpcid in /proc/cpuinfo
  SpectreV2 spectre_v2;              // /sys/.../vulnerabilities/spectre_v2, IBPB mode parsed
  std::vector<int> online_cpus;
  std::vector<int> allowed_cpus;
  std::string kernel_release;
  std::string clocksource;
  std::optional<int> config_hz;       // the tick: a busy task is preempted only at one
  std::string config_hz_source;       // where it was read
  std::string scheduler;              // "EEVDF" (6.6+) or "CFS"
  std::optional<double> se_slice_ns;  // /proc/self/sched on EEVDF kernels
  bool autogroup = false;
  RLimit stack, nproc, nofile;
  TaskCaps caps;
  std::string perf_path;  // "" when perf is not installed
  std::optional<double> loadavg_1m;
  // Other tasks that wanted a CPU throughout the sample (the fewest seen in any of its
  // readings of procs_running, ourselves not counted): a busy machine right now, unlike the
  // load average, which still remembers the previous minute (our own last lesson included).
  std::optional<long long> other_runnable;
  std::optional<double> steal_fraction;  // of CPU time, over a short window at start
  double steal_window_ms = 0;
};

// Reads everything; samples /proc/stat twice `steal_window_ms` apart for the steal figure.
SystemInfo collect_system_info(int steal_window_ms = 50);

// Finds an executable in $PATH (and the sbin folders, where perf sometimes lives).
std::string find_in_path(const std::string& name);

// Reads the kernel's build config: /proc/config.gz or /boot/config-<release>.
std::optional<std::string> read_kernel_config(const std::string& release, std::string* source);

}  // namespace conc::os
