#include "os/procfs/sysinfo.h"

#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "os/procfs/cpu_list.h"
#include "os/procfs/proc_parse.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/text_file.h"

namespace conc::os {

std::string find_in_path(const std::string& name) {
  const char* env_path = std::getenv("PATH");
  std::string path = env_path != nullptr ? env_path : "";
  path += ":/usr/sbin:/sbin:/usr/bin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) {
      continue;
    }
    std::string candidate = dir;  // not const: returned by move
    candidate += '/';
    candidate += name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::optional<std::string> read_kernel_config(const std::string& release, std::string* source) {
  if (gzFile gz = gzopen("/proc/config.gz", "rb")) {
    std::string text;
    char buf[16384];
    int n = 0;
    while ((n = gzread(gz, buf, sizeof buf)) > 0) {
      text.append(buf, static_cast<std::size_t>(n));
    }
    gzclose(gz);
    if (!text.empty()) {
      *source = "/proc/config.gz";
      return text;
    }
  }
  const std::string boot = "/boot/config-" + release;
  if (auto text = read_text_file(boot)) {
    *source = boot;
    return text;
  }
  return std::nullopt;
}

namespace {
// One reading of /proc/stat: the machine's CPU times and the tasks runnable right now.
struct StatReading {
  std::optional<CpuTimes> cpu;
  std::optional<long long> running;
};
StatReading read_proc_stat() {
  auto text = read_text_file("/proc/stat");
  if (!text) {
    return {};
  }
  return {parse_proc_stat_cpu(*text), parse_procs_running(*text)};
}
}  // namespace

SystemInfo collect_system_info(int steal_window_ms) {
  SystemInfo si;
  const StatReading first = read_proc_stat();
  const auto t0 = std::chrono::steady_clock::now();

  if (auto text = read_text_file("/proc/cpuinfo")) {
    const CpuInfo ci = parse_cpuinfo(*text);
    si.cpu_model = ci.model;
    si.hypervisor = ci.hypervisor;
    si.tlb_tags = parse_tlb_tag_flags(*text);
  }
  si.meltdown = read_first_line("/sys/devices/system/cpu/vulnerabilities/meltdown").value_or("");
  si.pti = parse_meltdown(si.meltdown);
  si.spectre_v2 = parse_spectre_v2(
      read_first_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2").value_or(""));
  if (auto online = read_first_line("/sys/devices/system/cpu/online")) {
    si.online_cpus = parse_cpu_list(*online).value_or(std::vector<int>{});
  }
  // The calling thread's affinity mask, as sched_getaffinity(0) gives it.
  if (auto status = read_text_file("/proc/thread-self/status")) {
    si.allowed_cpus =
        parse_cpu_list(parse_status(*status).cpus_allowed_list).value_or(std::vector<int>{});
  }
  utsname u{};
  if (uname(&u) == 0) {
    si.kernel_release = u.release;
  }
  si.clocksource =
      read_first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource")
          .value_or("");
  if (auto config = read_kernel_config(si.kernel_release, &si.config_hz_source)) {
    si.config_hz = parse_config_hz(*config);
  }
  const auto version = parse_kernel_release(si.kernel_release);
  si.scheduler = version && version->at_least(6, 6) ? "EEVDF" : "CFS";
  si.se_slice_ns = sched_number(read_sched(::getpid()), "se.slice");
  si.autogroup = read_integer_file("/proc/sys/kernel/sched_autogroup_enabled").value_or(0) == 1;
  si.stack = get_rlimit(RLIMIT_STACK);
  si.nproc = get_rlimit(RLIMIT_NPROC);
  si.nofile = get_rlimit(RLIMIT_NOFILE);
  si.caps = read_task_caps();
  si.perf_path = find_in_path("perf");
  if (auto text = read_text_file("/proc/loadavg")) {
    si.loadavg_1m = parse_loadavg(*text);
  }

  // Steal over a short window: what the hypervisor is taking from us right now. Meanwhile,
  // count who else wants a CPU, in every reading: the first, three inside the window, the last.
  const auto window = std::chrono::milliseconds(steal_window_ms);
  auto count_runnable = [&si](const StatReading& r) {
    if (r.running) {
      const long long others = std::max(0LL, *r.running - 1);
      si.other_runnable = si.other_runnable ? std::min(*si.other_runnable, others) : others;
    }
  };
  count_runnable(first);
  constexpr int kIntervals = 4;
  StatReading last;
  for (int i = 1; i <= kIntervals; ++i) {
    const auto due = t0 + window * i / kIntervals;
    if (std::chrono::steady_clock::now() < due) {
      std::this_thread::sleep_until(due);
    }
    last = read_proc_stat();
    count_runnable(last);
  }
  si.steal_window_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const auto& before = first.cpu;
  const auto& after = last.cpu;
  if (before && after && after->total() > before->total()) {
    si.steal_fraction = static_cast<double>(after->steal - before->steal) /
                        static_cast<double>(after->total() - before->total());
  }
  return si;
}

}  // namespace conc::os
