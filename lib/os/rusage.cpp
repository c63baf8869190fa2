#include "os/rusage.h"

#include <sys/resource.h>

#include "os/error.h"

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
