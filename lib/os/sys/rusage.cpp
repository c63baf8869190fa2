#include "os/sys/rusage.h"

#include <sys/resource.h>
#include <time.h>

#include "os/sys/error.h"

namespace conc::os {

namespace {
Rusage read(int who, const char* what) {
  rusage ru{};
  if (getrusage(who, &ru) != 0) {
    throw_errno(what);
  }
  Rusage r;
  r.voluntary_switches = ru.ru_nvcsw;
  r.involuntary_switches = ru.ru_nivcsw;
  r.minor_faults = ru.ru_minflt;
  r.max_rss_kib = ru.ru_maxrss;
  r.user_s = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  r.system_s = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  return r;
}
}  // namespace

Rusage Rusage::operator-(const Rusage& earlier) const {
  Rusage d;
  d.voluntary_switches = voluntary_switches - earlier.voluntary_switches;
  d.involuntary_switches = involuntary_switches - earlier.involuntary_switches;
  d.minor_faults = minor_faults - earlier.minor_faults;
  d.max_rss_kib = max_rss_kib;
  d.user_s = user_s - earlier.user_s;
  d.system_s = system_s - earlier.system_s;
  return d;
}

namespace {
std::int64_t clock_ns(clockid_t id) noexcept {
  timespec ts{};
  if (::clock_gettime(id, &ts) != 0) {
    return 0;
  }
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

ThreadSample ThreadSample::operator-(const ThreadSample& earlier) const {
  return {wall_ns - earlier.wall_ns, cpu_ns - earlier.cpu_ns,
          voluntary_switches - earlier.voluntary_switches,
          involuntary_switches - earlier.involuntary_switches};
}

ThreadSample sample_this_thread() noexcept {
  ThreadSample s;
  rusage ru{};
  if (::getrusage(RUSAGE_THREAD, &ru) == 0) {
    s.voluntary_switches = ru.ru_nvcsw;
    s.involuntary_switches = ru.ru_nivcsw;
  }
  s.cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  // Same order at both ends of a window: it holds the cost of one sample, once.
  s.wall_ns = clock_ns(CLOCK_MONOTONIC);
  return s;
}

Rusage rusage_self() {
  return read(RUSAGE_SELF, "getrusage(SELF)");
}
Rusage rusage_thread() {
  return read(RUSAGE_THREAD, "getrusage(THREAD)");
}
Rusage rusage_children() {
  return read(RUSAGE_CHILDREN, "getrusage(CHILDREN)");
}

}  // namespace conc::os
