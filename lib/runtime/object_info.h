#pragma once
// What the deadlock report says about a runtime object a goroutine waits on: its kind, a
// number, where it was created (a SourceLocation default argument on each constructor)
// and, for mutexes, the goroutine that last locked it (for the wait-for cycle) and, for an
// RWMutex, how many hold it for reading. Both are copies kept for the report, written under
// the object's own lock and read only once every goroutine is parked (relaxed).

#include <atomic>
#include <cstdint>
#include "runtime/source_location.h"

namespace conc::rt {

struct ObjectInfo {
  ObjectInfo(const char* kind_name, SourceLocation loc);
  const char* kind;  // "chan", "Mutex", "RWMutex", "Cond", "WaitGroup", "Once"
  std::uint64_t id;
  const char* file;
  std::uint32_t line;
  std::atomic<std::uint64_t> holder{0};  // Mutex/RWMutex writer: goroutine id, 0 = none
  std::atomic<std::int32_t> readers{0};  // RWMutex: goroutines holding it for reading
};

}  // namespace conc::rt
