#include "lessons/common/environment.h"

#include <fmt/format.h>

#include "os/procfs/cpu_list.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using report::Fact;
using report::Value;

// A busy machine (at least this many other runnable tasks per CPU all through the sample) or
// a stolen one (the hypervisor took more than this share of CPU time during the sample) makes
// every timing noisy.
constexpr double kBusyOthersPerCpu = 0.5;
constexpr double kStolenFraction = 0.05;

std::string slice_text(const os::SystemInfo& info) {
  if (!info.se_slice_ns) {
    return info.scheduler;
  }
  return info.scheduler + ", slice " + report::format_ns(*info.se_slice_ns);
}

Value optional_int(const std::optional<long long>& v) {
  return v ? Value{static_cast<std::int64_t>(*v)} : Value{std::string("n/a")};
}

Value optional_count(const std::optional<std::uint64_t>& v) {
  return v ? Value{static_cast<std::int64_t>(*v)} : Value{std::string("unlimited")};
}

// What makes kernel figures dearer here, following this machine's actual state: PTI only
// when the Meltdown line says it is on, the hypervisor only on a VM.
std::string kernel_cost_note(const os::SystemInfo& info) {
  const bool pti = info.pti == os::PtiState::on;
  const std::string vm =
      info.hypervisor
          ? "On this VM, timers, interrupts and some privileged instructions exit to the "
            "hypervisor (with nested paging, EPT/NPT, a page-table switch does not)"
          : "This is not a VM (no hypervisor flag)";
  if (info.pti == os::PtiState::unknown) {
    return vm + fmt::format("; whether PTI is on is not known (Meltdown: '{}').",
                            info.meltdown.empty() ? "unreadable" : info.meltdown);
  }
  const std::string meltdown =
      pti ? "; PTI is on, so every system call and interrupt also switches page tables on the "
            "way in and out: expect kernel figures several times a laptop's, while user-space "
            "work runs at full speed."
          : fmt::format(
                "; PTI is off (Meltdown: {}), so a system call does not switch page "
                "tables.",
                info.meltdown);
  return vm + meltdown;
}

}  // namespace

std::vector<Fact> footer_facts(const os::SystemInfo& info) {
  std::vector<Fact> f;
  f.push_back({"cpu_model", "cpu", info.cpu_model, ""});
  f.push_back({"cpus_allowed", "cpus", os::format_cpu_list(info.allowed_cpus), ""});
  f.push_back({"kernel", "kernel", info.kernel_release, ""});
  f.push_back({"virtualized", "vm", std::string(info.hypervisor ? "yes" : "no"), ""});
  f.push_back({"clocksource", "clock", info.clocksource, ""});
  f.push_back({"config_hz", "HZ",
               info.config_hz ? Value{static_cast<std::int64_t>(*info.config_hz)}
                              : Value{std::string("unknown")},
               ""});
  f.push_back({"scheduler", "sched", slice_text(info), ""});
  f.push_back({"loadavg_1m", "load",
               info.loadavg_1m ? Value{*info.loadavg_1m} : Value{std::string("n/a")}, ""});
  f.push_back({"other_runnable", "others running",
               info.other_runnable ? Value{static_cast<std::int64_t>(*info.other_runnable)}
                                   : Value{std::string("n/a")},
               ""});
  f.push_back({"steal_percent", "steal",
               info.steal_fraction ? Value{*info.steal_fraction * 100} : Value{std::string("n/a")},
               info.steal_fraction ? "%" : ""});
  return f;
}

std::vector<std::string> noise_warnings(const os::SystemInfo& info) {
  std::vector<std::string> w;
  const double cpus = static_cast<double>(std::max<std::size_t>(1, info.allowed_cpus.size()));
  if (info.other_runnable &&
      static_cast<double>(*info.other_runnable) >= kBusyOthersPerCpu * cpus) {
    w.push_back(fmt::format(
        "busy machine: {} other task(s) wanted a CPU throughout a {:.0f} ms sample, on {} CPU(s) "
        "(warned from {:.1f} per CPU); they compete with every experiment, so expect noisy "
        "figures",
        *info.other_runnable, info.steal_window_ms, info.allowed_cpus.size(), kBusyOthersPerCpu));
  }
  if (info.steal_fraction && *info.steal_fraction > kStolenFraction) {
    w.push_back(fmt::format(
        "the hypervisor took {} of CPU time while we sampled (warned above {}): steal time "
        "makes timings jump",
        report::format_percent(*info.steal_fraction), report::format_percent(kStolenFraction)));
  }
  return w;
}

report::Report info_report(const os::SystemInfo& info) {
  report::Report r("info", "the machine you are measuring on");
  r.env = footer_facts(info);
  report::Table cpu{"cpu", "Processor and kernel", {"fact", "value"}, {}, ""};
  cpu.rows = {
      {"CPU model", info.cpu_model},
      {"online CPUs", os::format_cpu_list(info.online_cpus)},
      {"CPUs this process may use", os::format_cpu_list(info.allowed_cpus)},
      {"virtual machine (hypervisor flag)", std::string(info.hypervisor ? "yes" : "no")},
      {"Meltdown mitigation", info.meltdown.empty() ? "unknown" : info.meltdown},
      {"TLB tags (cpuinfo pcid / invpcid)",
       info.tlb_tags.flags_seen ? fmt::format("{} / {}", info.tlb_tags.pcid ? "yes" : "no",
                                              info.tlb_tags.invpcid ? "yes" : "no")
                                : std::string("unknown")},
      {"Spectre v2 mitigation (IBPB)", info.spectre_v2.mode.empty()
                                           ? std::string("unknown")
                                           : fmt::format("{} (IBPB {})", info.spectre_v2.mode,
                                                         os::to_string(info.spectre_v2.ibpb))},
      {"kernel release", info.kernel_release},
      {"clock source", info.clocksource},
      {"CONFIG_HZ (tick rate)",
       info.config_hz ? fmt::format("{} Hz = one tick every {} (from {})", *info.config_hz,
                                    report::format_ns(1e9 / *info.config_hz), info.config_hz_source)
                      : std::string("not readable (no /proc/config.gz or /boot/config-*)")},
      {"scheduler",
       info.scheduler == "EEVDF" ? "EEVDF (kernel 6.6 and later)" : "CFS (kernels before 6.6)"},
      {"base slice (se.slice, /proc/self/sched)",
       info.se_slice_ns ? report::format_ns(*info.se_slice_ns) : std::string("not shown")},
      {"autogroup (one group per session)", std::string(info.autogroup ? "on" : "off")},
      {"perf",
       info.perf_path.empty() ? "not installed (apt-get install linux-perf)" : info.perf_path},
  };
  cpu.note = kernel_cost_note(info);
  r.add(std::move(cpu));

  report::Table lim{"limits", "Limits on threads and stacks", {"limit", "value", "source"}, {}, ""};
  lim.rows = {
      {"stack (ulimit -s, KiB)", os::format_ulimit_kib(info.stack.soft), "RLIMIT_STACK soft"},
      {"stack hard limit (KiB)", os::format_ulimit_kib(info.stack.hard), "RLIMIT_STACK hard"},
      {"processes+threads per user (ulimit -u)", optional_count(info.nproc.soft), "RLIMIT_NPROC"},
      {"open files (ulimit -n)", optional_count(info.nofile.soft), "RLIMIT_NOFILE"},
      {"threads-max", optional_int(info.caps.threads_max), "/proc/sys/kernel/threads-max"},
      {"pid_max", optional_int(info.caps.pid_max), "/proc/sys/kernel/pid_max"},
      {"vm.max_map_count", optional_int(info.caps.max_map_count), "/proc/sys/vm/max_map_count"},
      {"cgroup pids.max",
       info.caps.cgroup_path.empty() ? Value{std::string("no pids controller")}
       : info.caps.cgroup_pids_max   ? Value{static_cast<std::int64_t>(*info.caps.cgroup_pids_max)}
                                     : Value{std::string("max (no limit)")},
       info.caps.cgroup_path.empty() ? "" : info.caps.cgroup_path + "/pids.max"},
      {"cgroup cpu.max",
       info.caps.cgroup_cpu_max ? Value{fmt::format("{:.2f} CPUs", *info.caps.cgroup_cpu_max)}
                                : Value{std::string("no quota")},
       info.caps.cgroup_path.empty() ? "" : info.caps.cgroup_path + "/cpu.max"},
  };
  r.add(std::move(lim));

  report::Table load{"load", "How busy the machine is now", {"measure", "value"}, {}, ""};
  load.rows = {
      {"load average (1 min)",
       info.loadavg_1m ? Value{*info.loadavg_1m} : Value{std::string("n/a")}},
      {fmt::format("other tasks wanting a CPU (fewest seen over {:.0f} ms)", info.steal_window_ms),
       info.other_runnable ? Value{static_cast<std::int64_t>(*info.other_runnable)}
                           : Value{std::string("n/a")}},
      {fmt::format("steal time over {:.0f} ms", info.steal_window_ms),
       info.steal_fraction ? Value{report::format_percent(*info.steal_fraction)}
                           : Value{std::string("n/a")}},
  };
  r.add(std::move(load));
  for (auto& w : noise_warnings(info)) {
    r.warn(std::move(w));
  }
  return r;
}

}  // namespace conc::lessons
