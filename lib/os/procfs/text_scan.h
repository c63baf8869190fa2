#pragma once
// The small scanning steps every /proc and /sys parser needs (proc_parse.cpp, task_parse.cpp):
// trimming, one number at the start of a field, and walking the lines of a text. Pure, like
// the parsers that use them.

#include <charconv>
#include <optional>
#include <string_view>

namespace conc::os::scan {

inline std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The integer that `s` starts with once trimmed ("  8192 kB" -> 8192); nullopt without one.
template <typename T>
std::optional<T> number(std::string_view s) {
  s = trim(s);
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p == s.data()) {
    return std::nullopt;
  }
  return v;
}

// Calls fn(line) for each line of text, without its newline.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
}

}  // namespace conc::os::scan
