#pragma once
// Whole small text files (/proc, /sys): read in one go, absent as nullopt.

#include <optional>
#include <string>

namespace conc::os {

std::optional<std::string> read_text_file(const std::string& path);
// The first line without its newline, trimmed; nullopt if unreadable or empty.
std::optional<std::string> read_first_line(const std::string& path);
// A file holding one integer (sysctls such as /proc/sys/kernel/pid_max).
std::optional<long long> read_integer_file(const std::string& path);

}  // namespace conc::os
