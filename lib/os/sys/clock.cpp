#include "os/sys/clock.h"

#include <time.h>

#include "os/sys/error.h"

namespace conc::os {

namespace {
std::int64_t read_clock(clockid_t id, const char* name) {
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) {
    throw_errno(name);
  }
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

std::int64_t monotonic_ns() {
  return read_clock(CLOCK_MONOTONIC, "clock_gettime(MONOTONIC)");
}
std::int64_t thread_cpu_ns() {
  return read_clock(CLOCK_THREAD_CPUTIME_ID, "clock_gettime(THREAD_CPUTIME)");
}
std::int64_t process_cpu_ns() {
  return read_clock(CLOCK_PROCESS_CPUTIME_ID, "clock_gettime(PROCESS_CPUTIME)");
}

}  // namespace conc::os
