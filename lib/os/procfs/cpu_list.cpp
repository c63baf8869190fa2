#include "os/procfs/cpu_list.h"

#include <sstream>

namespace conc::os {

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) {
      ++j;
    }
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(cpus[i]);
    if (j > i) {
      out += '-' + std::to_string(cpus[j]);
    }
    i = j + 1;
  }
  return out;
}

std::optional<std::vector<int>> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::istringstream in(text);
  std::string part;
  try {
    while (std::getline(in, part, ',')) {
      if (part.find_first_not_of(" \n\t") == std::string::npos) {
        continue;
      }
      const auto dash = part.find('-');
      const int lo = std::stoi(part.substr(0, dash));
      const int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
      if (lo < 0 || hi < lo) {
        return std::nullopt;
      }
      for (int c = lo; c <= hi; ++c) {
        cpus.push_back(c);
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return cpus;
}

}  // namespace conc::os
