// The lock hooks (hooks.h): what a Mutex or RWMutex write lock tells the race detector and the
// lock-order checker.
#include "runtime/hooks.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

void hook_locked(ObjectInfo* lock, SourceLocation at) {
  (void)at;
  race_locked(lock);
}

void hook_unlocking(ObjectInfo* lock) {
  race_release_merge(lock);
}

}  // namespace conc::rt::detail
