// The happens-before race detector (shared.h). Work in progress: the API is in place.
#include "runtime/shared.h"

namespace conc::rt::detail {

RaceVar::~RaceVar() = default;

void RaceVar::access(bool write, SourceLocation at) {
  (void)write;
  (void)at;
}

}  // namespace conc::rt::detail

namespace conc::rt {

std::string format_race(const RaceReport& r) {
  (void)r;
  return {};
}

std::string format_mutex_cycle(const MutexCycle& c) {
  (void)c;
  return {};
}

std::string format_lock_order(const LockOrderWarning& w) {
  (void)w;
  return {};
}

}  // namespace conc::rt
