#pragma once
// CPU lists in the kernel's text form, "0-3,6": /sys/devices/system/cpu/online, the
// Cpus_allowed_list of /proc/<pid>/status, and what conc-lab prints for a set of CPUs.

#include <optional>
#include <string>
#include <vector>

namespace conc::os {

// "0-3,6" style text for a CPU list.
std::string format_cpu_list(const std::vector<int>& cpus);
// Parses "0-3,6"; nullopt on bad text.
std::optional<std::vector<int>> parse_cpu_list(const std::string& text);

}  // namespace conc::os
