#include "os/procfs/proc_parse.h"

#include <algorithm>
#include <sstream>

#include "os/procfs/text_scan.h"

namespace conc::os {

using scan::for_each_line;
using scan::trim;

namespace {
std::optional<long long> to_ll(std::string_view s) {
  return scan::number<long long>(s);
}
}  // namespace

ProcStatus parse_status(std::string_view text) {
  ProcStatus st;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return;
    }
    const auto key = line.substr(0, colon);
    // "VmRSS:\t  8192 kB": from_chars stops at the unit.
    const auto value = to_ll(line.substr(colon + 1));
    if (key == "Pid") {
      st.pid = value;
    } else if (key == "Tgid") {
      st.tgid = value;
    } else if (key == "Threads") {
      st.threads = value;
    } else if (key == "voluntary_ctxt_switches") {
      st.voluntary_switches = value;
    } else if (key == "nonvoluntary_ctxt_switches") {
      st.involuntary_switches = value;
    } else if (key == "VmSize") {
      st.vm_size_kib = value;
    } else if (key == "VmRSS") {
      st.vm_rss_kib = value;
    } else if (key == "VmStk") {
      st.vm_stk_kib = value;
    } else if (key == "VmPTE") {
      st.vm_pte_kib = value;
    } else if (key == "Cpus_allowed_list") {
      st.cpus_allowed_list = std::string(trim(line.substr(colon + 1)));
    }
  });
  return st;
}

std::size_t count_limits_entries(std::string_view limits) {
  const auto lines = static_cast<std::size_t>(std::count(limits.begin(), limits.end(), '\n'));
  return lines > 0 ? lines - 1 : 0;
}

namespace {
// The rest of the line after `tag`, or nullopt without the tag.
std::optional<std::string> after_tag(std::string_view text, std::string_view tag) {
  const auto at = text.find(tag);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  const auto from = at + tag.size();
  const auto end = text.find('\n', from);
  return std::string(text.substr(from, end == std::string_view::npos ? end : end - from));
}
}  // namespace

std::optional<std::string> parse_cgroup_v2_path(std::string_view proc_cgroup) {
  return after_tag(proc_cgroup, "0::");
}

std::optional<std::string> parse_cgroup_v1_pids_path(std::string_view proc_cgroup) {
  return after_tag(proc_cgroup, ":pids:");
}

std::string cgroup_dir(std::string_view mount, std::string_view path) {
  return std::string(mount) + (path == "/" ? std::string() : std::string(path));
}

std::optional<SchedStat> parse_schedstat(std::string_view text) {
  std::istringstream in{std::string(text)};
  SchedStat s;
  if (!(in >> s.run_ns >> s.wait_ns >> s.slices)) {
    return std::nullopt;
  }
  return s;
}

std::map<std::string, std::string> parse_sched(std::string_view text) {
  std::map<std::string, std::string> out;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return;
    }
    const auto key = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    if (!key.empty() && !value.empty()) {
      out.emplace(std::string(key), std::string(value));
    }
  });
  return out;
}

std::optional<double> sched_number(const std::map<std::string, std::string>& sched,
                                   const std::string& key) {
  auto it = sched.find(key);
  if (it == sched.end()) {
    return std::nullopt;
  }
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<Mapping> parse_maps(std::string_view text) {
  std::vector<Mapping> maps;
  for_each_line(text, [&](std::string_view line) {
    std::istringstream in{std::string(line)};
    std::string range, perms, offset, dev, inode;
    if (!(in >> range >> perms >> offset >> dev >> inode)) {
      return;
    }
    const auto dash = range.find('-');
    if (dash == std::string::npos) {
      return;
    }
    Mapping m;
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    m.perms = perms;
    std::getline(in, m.path);
    m.path = std::string(trim(m.path));
    maps.push_back(std::move(m));
  });
  return maps;
}

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return;
    }
    const auto key = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++info.logical_cpus;
    } else if (key == "model name" && info.model.empty()) {
      info.model = std::string(value);
    } else if (key == "flags" && !info.hypervisor) {
      std::istringstream flags{std::string(value)};
      std::string flag;
      while (flags >> flag) {
        info.hypervisor = info.hypervisor || flag == "hypervisor";
      }
    }
  });
  return info;
}

std::optional<CpuTimes> parse_proc_stat_cpu(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string label;
  std::int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
               steal = 0;
  if (!(in >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq) ||
      label != "cpu") {
    return std::nullopt;
  }
  in >> steal;  // absent on very old kernels: stays 0
  return CpuTimes{user + nice + system + irq + softirq, idle + iowait, steal};
}

std::optional<double> parse_loadavg(std::string_view text) {
  std::istringstream in{std::string(text)};
  double one = 0;
  if (!(in >> one)) {
    return std::nullopt;
  }
  return one;
}

std::optional<long long> parse_procs_running(std::string_view proc_stat) {
  std::optional<long long> running;
  for_each_line(proc_stat, [&](std::string_view line) {
    constexpr std::string_view kKey = "procs_running ";
    if (line.substr(0, kKey.size()) == kKey) {
      running = to_ll(line.substr(kKey.size()));
    }
  });
  return running;
}

std::optional<KernelVersion> parse_kernel_release(std::string_view release) {
  KernelVersion v;
  const auto dot = release.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  auto major = to_ll(release.substr(0, dot));
  auto rest = release.substr(dot + 1);
  std::size_t len = 0;
  while (len < rest.size() && rest[len] >= '0' && rest[len] <= '9') {
    ++len;
  }
  auto minor = to_ll(rest.substr(0, len));
  if (!major || !minor) {
    return std::nullopt;
  }
  v.major = static_cast<int>(*major);
  v.minor = static_cast<int>(*minor);
  return v;
}

std::optional<int> parse_config_hz(std::string_view config_text) {
  std::optional<int> hz;
  for_each_line(config_text, [&](std::string_view line) {
    constexpr std::string_view kKey = "CONFIG_HZ=";
    if (line.substr(0, kKey.size()) == kKey) {
      if (auto v = to_ll(line.substr(kKey.size()))) {
        hz = static_cast<int>(*v);
      }
    }
  });
  return hz;
}

std::size_t count_environ_entries(std::string_view environ) {
  std::size_t n = 0;
  bool in_entry = false;
  for (char c : environ) {
    if (c == '\0') {
      n += in_entry ? 1 : 0;
      in_entry = false;
    } else {
      in_entry = true;
    }
  }
  return n + (in_entry ? 1 : 0);
}

std::optional<long long> parse_cgroup_limit(std::string_view text) {
  if (trim(text) == "max") {
    return std::nullopt;
  }
  return to_ll(text);
}

std::optional<double> parse_cgroup_cpu_max(std::string_view text) {
  std::istringstream in{std::string(trim(text))};
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) {
    return std::nullopt;
  }
  try {
    return std::stod(quota) / period;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace conc::os
