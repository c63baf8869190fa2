#pragma once
// Internal: where the primitives tell the hazard checkers (checks.h) what happened. Every hook
// call site is guarded by checks_on(): a relaxed load of a process-wide count of the runs whose
// race detector (shared.h) or lock-order checker (Config::check_lock_order) is on, and a branch
// not taken when there is none. The hooks themselves are out of line and find the current
// goroutine's run; a run whose checkers are off ignores them (another run may have turned the
// count on).
//
// Hooks that name another goroutine (`other`) are called by its waker while that goroutine is
// parked and claimed: nobody else touches its clock until ready() publishes it.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/source_location.h"

namespace conc::rt {
struct ObjectInfo;
}

namespace conc::rt::detail {

struct Fiber;

extern std::atomic<int> checks_active;

inline bool checks_on() {
  return checks_active.load(std::memory_order_relaxed) != 0;
}

// Mutex and RWMutex write locks (race: acquire / release the lock's clock; lock order). A
// try_lock cannot deadlock: it is held from then on, but no order is recorded into it (as in
// lockdep), so try_lock with back-off is no inversion.
void hook_locked(ObjectInfo* lock, SourceLocation at, bool by_try_lock = false);
void hook_unlocking(ObjectInfo* lock);
// hook_locked for the inline Mutex::lock(), with the site as scalars: a SourceLocation passed
// by value travels in memory (three words), and the compiler stores it before the lock's
// atomic on every call, checkers off or not; scalars are loaded only when the hook runs.
void hook_locked_at(ObjectInfo* lock, const char* file, unsigned line, const char* function);

// Race detector edges on an object's clock (by the current goroutine).
void race_locked(ObjectInfo* o);         // clock(current) |= unlocks' and runlocks' clocks
void race_acquire(ObjectInfo* o);        // clock(current) |= clock(o)
void race_release_merge(ObjectInfo* o);  // clock(o) |= clock(current), then current ticks
// RWMutex readers: rlock acquires the writers' clock; runlock merges into the readers' clock,
// which the next lock() acquires as well.
void race_rlocked(ObjectInfo* o);
void race_runlocking(ObjectInfo* o);
// The current goroutine's past -> `other`'s (Cond signal/broadcast to the waiter it wakes).
void race_pass_to(Fiber* other);

// Channels, under the channel's lock, for the goroutine(s) completing an operation; a null
// `sender` / `receiver` is the current goroutine (none on the timer thread: no edge).
// Buffered: a send and a receive go through the clock of the buffer slot the value occupies
// (`index`, the channel's own sendx/recvx, right whatever the detector saw before it started),
// so that send k -> receive k and receive k -> send k+C (Go's memory model). A value handed
// straight to a waiting receiver of a buffered channel passes through the slot at recvx, as in
// Go (the caller then advances recvx and sendx). Unbuffered: handoff orders send and receive
// both ways.
void race_chan_send(ObjectInfo* chan, std::size_t index, Fiber* sender);
void race_chan_recv(ObjectInfo* chan, std::size_t index, Fiber* receiver);
void race_chan_handoff(ObjectInfo* chan, Fiber* sender, Fiber* receiver);
void race_chan_closing(ObjectInfo* chan);                       // close -> ...
void race_chan_recv_closed(ObjectInfo* chan, Fiber* receiver);  // ... a receive that saw it

}  // namespace conc::rt::detail
