#pragma once
// Pure parsers for the kernel's text interfaces (/proc, /sys). No I/O here: each takes the
// file's text, so every one is tested on canned text (tests/os/proc_parse_test.cpp), and
// proc_read.h adds the two-line readers. A field the kernel did not print stays nullopt.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conc::os {

// /proc/<pid>/status (and /proc/<pid>/task/<tid>/status).
struct ProcStatus {
  std::optional<long long> pid, tgid, threads;
  std::optional<long long> voluntary_switches, involuntary_switches;
  std::optional<long long> vm_size_kib, vm_rss_kib, vm_stk_kib, vm_pte_kib;
  std::string cpus_allowed_list;  // "0-3,6": the affinity mask (see cpu_list.h); "" if absent
};
ProcStatus parse_status(std::string_view text);

// /proc/<pid>/task/<tid>/schedstat: "run_ns wait_ns slices".
struct SchedStat {
  std::int64_t run_ns = 0;   // time spent on the CPU
  std::int64_t wait_ns = 0;  // time spent runnable but waiting on a run queue
  std::int64_t slices = 0;   // times it was scheduled in
};
std::optional<SchedStat> parse_schedstat(std::string_view text);

// /proc/<pid>/sched (CONFIG_SCHED_DEBUG): "key : value" lines, e.g. se.slice, nr_switches.
std::map<std::string, std::string> parse_sched(std::string_view text);
std::optional<double> sched_number(const std::map<std::string, std::string>& sched,
                                   const std::string& key);

// One line of /proc/<pid>/maps.
struct Mapping {
  std::uint64_t start = 0, end = 0;
  std::string perms;  // "rw-p"
  std::string path;   // "", "[stack]", "[heap]", "/usr/lib/..."
  std::uint64_t size() const { return end - start; }
};
std::vector<Mapping> parse_maps(std::string_view text);

// /proc/cpuinfo: the facts info needs.
struct CpuInfo {
  std::string model;
  bool hypervisor = false;
  int logical_cpus = 0;
};
CpuInfo parse_cpuinfo(std::string_view text);

// The first ("cpu ") line of /proc/stat, in clock ticks.
struct CpuTimes {
  std::int64_t busy = 0;   // user + nice + system + irq + softirq
  std::int64_t idle = 0;   // idle + iowait
  std::int64_t steal = 0;  // time the hypervisor gave our vCPU to someone else
  std::int64_t total() const { return busy + idle + steal; }
};
std::optional<CpuTimes> parse_proc_stat_cpu(std::string_view text);

// /proc/loadavg: the 1-minute load.
std::optional<double> parse_loadavg(std::string_view text);

// /proc/stat "procs_running N": tasks runnable right now, on every CPU, the reader included.
std::optional<long long> parse_procs_running(std::string_view proc_stat);

// "6.18.44-fc-v782" -> {6, 18}.
struct KernelVersion {
  int major = 0, minor = 0;
  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};
std::optional<KernelVersion> parse_kernel_release(std::string_view release);

// A kernel .config text: the value of CONFIG_HZ.
std::optional<int> parse_config_hz(std::string_view config_text);

// /proc/<pid>/environ: NUL-separated entries.
std::size_t count_environ_entries(std::string_view environ);

// /proc/<pid>/limits: the number of limits listed (the lines after the header).
std::size_t count_limits_entries(std::string_view limits);

// /proc/<pid>/cgroup: the cgroup v2 path ("0::/user.slice/x" gives "/user.slice/x"), and the
// path in cgroup v1's own pids hierarchy ("5:pids:/x" gives "/x"); nullopt when absent.
std::optional<std::string> parse_cgroup_v2_path(std::string_view proc_cgroup);
std::optional<std::string> parse_cgroup_v1_pids_path(std::string_view proc_cgroup);
// The folder of a cgroup under its mount point: "/" is the mount point itself.
std::string cgroup_dir(std::string_view mount, std::string_view path);

// cgroup v2 "max" or a number; nullopt for "max" (no limit).
std::optional<long long> parse_cgroup_limit(std::string_view text);
// cgroup v2 cpu.max "quota period" -> CPUs worth of time; nullopt for "max".
std::optional<double> parse_cgroup_cpu_max(std::string_view text);

}  // namespace conc::os
