#include "os/procfs/task_parse.h"

#include <algorithm>
#include <sstream>

#include "os/procfs/text_scan.h"

namespace conc::os {

using scan::number;

std::optional<TaskStat> parse_task_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  // After "pid (comm)" come fields 3 (state) onwards, separated by single spaces.
  std::istringstream in{std::string(text.substr(close + 1))};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) {
    fields.push_back(std::move(f));
  }
  constexpr std::size_t kState = 0;        // field 3
  constexpr std::size_t kMinorFaults = 7;  // field 10
  constexpr std::size_t kProcessor = 36;   // field 39
  if (fields.size() <= kProcessor || fields[kState].size() != 1) {
    return std::nullopt;
  }
  TaskStat st;
  st.state = fields[kState][0];
  const auto cpu = number<int>(fields[kProcessor]);
  const auto faults = number<long long>(fields[kMinorFaults]);
  if (!cpu || !faults) {
    return std::nullopt;
  }
  st.processor = *cpu;
  st.minor_faults = *faults;
  return st;
}

std::optional<Autogroup> parse_autogroup(std::string_view text) {
  constexpr std::string_view kPrefix = "/autogroup-";
  const auto at = text.find(kPrefix);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  text.remove_prefix(at + kPrefix.size());
  const auto id = number<long long>(text);
  if (!id) {
    return std::nullopt;
  }
  Autogroup g;
  g.id = *id;
  constexpr std::string_view kNice = "nice";
  if (const auto n = text.find(kNice); n != std::string_view::npos) {
    g.nice = number<int>(text.substr(n + kNice.size())).value_or(0);
  }
  return g;
}

std::vector<CpuTimes> parse_proc_stat_per_cpu(std::string_view text) {
  std::vector<CpuTimes> cpus;
  scan::for_each_line(text, [&](std::string_view line) {
    if (line.size() > 3 && line.substr(0, 3) == "cpu" && line[3] >= '0' && line[3] <= '9') {
      const auto space = line.find(' ');
      const auto n = number<int>(line.substr(3, space - 3));
      // The whole-machine parser reads the same fields once the label is plain "cpu".
      const auto times = parse_proc_stat_cpu("cpu" + std::string(line.substr(space)));
      if (n && *n >= 0 && times) {
        cpus.resize(std::max<std::size_t>(cpus.size(), static_cast<std::size_t>(*n) + 1));
        cpus[static_cast<std::size_t>(*n)] = *times;
      }
    }
  });
  return cpus;
}

std::optional<long long> parse_meminfo_kib(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    const auto colon = at + key.size();
    if (line_start && colon < text.size() && text[colon] == ':') {
      return number<long long>(text.substr(colon + 1));
    }
    at = colon;
  }
  return std::nullopt;
}

std::optional<std::size_t> find_mapping(const std::vector<Mapping>& maps, std::uint64_t address) {
  for (std::size_t i = 0; i < maps.size(); ++i) {
    if (maps[i].start <= address && address < maps[i].end) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> guard_below(const std::vector<Mapping>& maps, std::size_t index) {
  if (index >= maps.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < maps.size(); ++i) {
    if (maps[i].end == maps[index].start && maps[i].perms.rfind("---", 0) == 0) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace conc::os
