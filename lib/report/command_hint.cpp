#include "report/command_hint.h"

#include <cstdlib>

namespace conc::report {

namespace {

// A value fit to be shown as a command: short, one line, no control characters (it came from
// the environment, which anything may have set).
constexpr std::size_t kMaxInvokedAsLength = 200;

bool printable_line(std::string_view text) {
  if (text.empty() || text.size() > kMaxInvokedAsLength) {
    return false;
  }
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string invoked_as() {
  const char* value = std::getenv(kInvokedAsVariable);
  if (value != nullptr && printable_line(value)) {
    return value;
  }
  return "conc-lab";
}

std::string command_hint(std::string_view args) {
  std::string command = invoked_as();
  if (!args.empty()) {
    command += ' ';
    command += args;
  }
  return command;
}

}  // namespace conc::report
