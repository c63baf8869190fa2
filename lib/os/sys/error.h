#pragma once
// OS calls that should never fail throw std::system_error; the app turns one into a single
// line on stderr and exit status 1. Calls whose failure is an expected outcome (a limit hit,
// a file absent on this kernel) return a value instead.

#include <cerrno>
#include <string>
#include <system_error>

namespace conc::os {

[[noreturn]] inline void throw_errno(const std::string& what, int err = errno) {
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace conc::os
