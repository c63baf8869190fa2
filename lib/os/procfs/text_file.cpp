#include "os/procfs/text_file.h"

#include <fstream>
#include <sstream>

namespace conc::os {

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  const auto b = line.find_first_not_of(" \t");
  const auto e = line.find_last_not_of(" \t\r");
  if (b == std::string::npos) {
    return std::nullopt;
  }
  return line.substr(b, e - b + 1);
}

std::optional<long long> read_integer_file(const std::string& path) {
  auto line = read_first_line(path);
  if (!line) {
    return std::nullopt;
  }
  try {
    std::size_t used = 0;
    long long v = std::stoll(*line, &used);
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace conc::os
