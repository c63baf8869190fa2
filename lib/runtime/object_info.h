#pragma once
// What the deadlock report says about a runtime object a goroutine waits on: its kind, a
// number, where it was created (a SourceLocation default argument on each constructor)
// and, for mutexes, the goroutine that last locked it (for the wait-for cycle) and, for an
// RWMutex, how many hold it for reading. Both are copies kept for the report, written under
// the object's own lock and read only once every goroutine is parked (relaxed). Also a
// pointer to the race detector's clocks of the object (shared.h), owned by it.

#include <atomic>
#include <cstdint>
#include "runtime/source_location.h"

namespace conc::rt {

namespace detail {
struct RaceSync;
void destroy_race_sync(RaceSync* s);  // race.cpp
}  // namespace detail

struct ObjectInfo {
  ObjectInfo(const char* kind_name, SourceLocation loc);
  ~ObjectInfo() {
    if (detail::RaceSync* s = race.load(std::memory_order_relaxed)) {
      detail::destroy_race_sync(s);
    }
  }
  ObjectInfo(const ObjectInfo&) = delete;
  ObjectInfo& operator=(const ObjectInfo&) = delete;
  const char* kind;  // "chan", "Mutex", "RWMutex", "Cond", "WaitGroup", "Once"
  std::uint64_t id;
  const char* file;
  std::uint32_t line;
  std::atomic<std::uint64_t> holder{0};  // Mutex/RWMutex writer: goroutine id, 0 = none
  std::atomic<std::int32_t> readers{0};  // RWMutex: goroutines holding it for reading
  // The race detector's clocks for this object (race.cpp), created when a run that detects
  // races first synchronises through it; null otherwise.
  std::atomic<detail::RaceSync*> race{nullptr};
};

}  // namespace conc::rt
