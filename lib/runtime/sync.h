#pragma once
// Go's sync package for goroutines: Mutex, RWMutex, Cond, Once, WaitGroup. A goroutine that
// must wait parks (its worker runs other goroutines), never the worker thread.
//
// Every constructor records where the object was created (the deadlock report names it).
// Misuse is loud in every build: the cases Go makes fatal stop the process with Go's message
// ("fatal error: sync: unlock of unlocked mutex"), the cases Go panics on throw rt::Panic.
// Precondition for every blocking call: called from a goroutine.
//
// Lifetime (what Go's garbage collector gives for free): an object may be destroyed by any
// goroutine as soon as that goroutine has seen the release it waited for, even while the
// releasing call is still returning. The goroutine that took a Mutex or RWMutex and unlocked
// it again, the waiter a WaitGroup or Cond released, the caller whose Once::call returned:
// each may destroy the object at once. Every releasing call touches the object for the last
// time in the atomic store that publishes the release (WaitGroup, Once), or publishes it under
// the object's internal lock, which the destructor takes once to wait out the releaser (Mutex).
//
// Deadlock report wording (Go's traceback reasons): waits show as [sync.Mutex.Lock],
// [sync.RWMutex.RLock], [sync.RWMutex.Lock], [sync.Cond.Wait] (Go 1.20 and later) and
// [sync.WaitGroup.Wait] (Go 1.24 and later; Go 1.20-1.23 print [semacquire] for it, and Go 1.19
// and earlier print [semacquire] for every sync wait). Once::call waits as Go's does, on a
// Mutex: [sync.Mutex.Lock].

#include <atomic>
#include <cstdint>
#include <utility>
#include "runtime/source_location.h"

#include "runtime/hooks.h"
#include "runtime/object_info.h"
#include "runtime/spinlock.h"
#include "runtime/wait.h"

namespace conc::rt {

namespace detail {
std::uint64_t current_goroutine_id();  // scheduler.cpp: 0 outside goroutines
}  // namespace detail

// A mutual-exclusion lock with Go's two modes. Normal mode: a woken waiter competes with
// newcomers, who usually win (they are running already: fast, but a waiter may lose forever).
// Starvation mode, entered when a waiter has waited over 1 ms: unlock() hands the lock to the
// waiter at the head of the queue, and newcomers queue at the tail instead of barging. It ends
// when the waiter handed the lock is the last one or waited less than 1 ms. Not re-entrant;
// any goroutine may unlock.
// Memory ordering: unlock() happens-before the lock() (or successful try_lock()) that next
// acquires it. Satisfies Lockable, so std::lock_guard / std::unique_lock work.
// The call site of lock() is recorded for the hazard checkers (checks.h): a goroutine about to
// block in a wait-for cycle of mutexes ends the run (runtime.h: DeadlockKind::mutex_cycle), and
// with Config::check_lock_order the order in which locks are nested is checked. Lock through
// rt::LockGuard (below) rather than std::lock_guard for the reports to name your line.
class Mutex {
 public:
  explicit Mutex(SourceLocation where = SourceLocation::current());
  ~Mutex();
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock(SourceLocation at = SourceLocation::current()) {
    std::uint32_t expected = 0;
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) [[unlikely]] {
      lock_slow();
    }
    info_.holder.store(detail::current_goroutine_id(), std::memory_order_relaxed);
    if (detail::checks_on()) [[unlikely]] {
      detail::hook_locked_at(&info_, at.file_name(), at.line(), at.function_name());
    }
  }
  bool try_lock(SourceLocation at = SourceLocation::current());
  // Fatal if not locked (as in Go), except while the program is being unwound.
  // It leaves info_.holder as it was: the deadlock report reads the holder only of a mutex a
  // goroutine waits on, which is locked, and every lock() sets it. A store here, just before
  // the locked fetch_sub that must drain it, measurably slowed mutex_contended
  // (`conc-lab bench mutex_contended`).
  void unlock() {
    if (detail::checks_on()) [[unlikely]] {
      detail::hook_unlocking(&info_);
    }
    if (const std::uint32_t prev = state_.fetch_sub(1, std::memory_order_release); prev != 1)
        [[unlikely]] {
      unlock_slow(prev);
    }
  }

 private:
  void lock_slow();
  void unlock_slow(std::uint32_t prev);
  void hand_off_locked();
  // 0 unlocked, 1 locked, 2 locked and maybe waiters (a futex-style mutex, Drepper's "mutex3");
  // kStarving is set only with 2 (6: locked, waiters, hand-off mode). 5 is 6 during unlock().
  static constexpr std::uint32_t kStarving = 4;
  std::atomic<std::uint32_t> state_{0};
  detail::SpinLock qlock_;
  detail::WaitQueue waiters_;
  ObjectInfo info_;
};

// std::lock_guard for Mutex and RWMutex that records the caller's site for the checkers
// (std::lock_guard calls lock() from <mutex>, so the reports would name a line there):
//   rt::LockGuard lock(mu);
template <class M>
class LockGuard {
 public:
  explicit LockGuard(M& m, SourceLocation at = SourceLocation::current()) : m_(m) { m_.lock(at); }
  ~LockGuard() { m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  M& m_;
};

// A reader/writer lock with writer preference, as Go's: a blocked lock() stops new rlock()s,
// so a goroutine that read-locks twice can deadlock against a writer. unlock() admits every
// reader that was waiting.
// Memory ordering: unlock() happens-before every later rlock()/lock(); runlock()
// happens-before the lock() it lets through.
class RWMutex {
 public:
  explicit RWMutex(SourceLocation where = SourceLocation::current());
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;

  void rlock();
  void runlock();  // fatal if not read-locked
  // Write locks take part in the hazard checks as Mutex::lock() does (cycles, lock order).
  void lock(SourceLocation at = SourceLocation::current());
  void unlock();  // fatal if not write-locked
  // Go 1.18's TryLock / TryRLock: take it only if that needs no wait. try_rlock() fails while
  // a writer holds it or waits for it (as rlock() would wait); try_lock() while anyone holds it.
  bool try_lock(SourceLocation at = SourceLocation::current());
  bool try_rlock();

 private:
  detail::Waiter* grant_to_writer();

  detail::SpinLock lock_;
  int readers_ = 0;      // active readers
  bool writer_ = false;  // a writer holds it
  detail::WaitQueue readq_, writeq_;
  ObjectInfo info_;
};

// A condition variable bound to a Mutex. wait() atomically unlocks the mutex and parks, and
// relocks it before returning. Unlike pthreads, wait() returns only after signal() or
// broadcast() (no spurious wake-ups); callers still loop, since the condition may have
// changed again before they relock.
// Memory ordering: what the signaller wrote before signal()/broadcast() is visible after the
// woken wait() returns (it relocks the mutex, which is the real synchronisation).
class Cond {
 public:
  explicit Cond(Mutex& m, SourceLocation where = SourceLocation::current());
  Cond(const Cond&) = delete;
  Cond& operator=(const Cond&) = delete;

  void wait();  // precondition: the caller holds the mutex
  void signal();
  void broadcast();

 private:
  Mutex& mutex_;
  detail::SpinLock lock_;
  detail::WaitQueue waiters_;
  ObjectInfo info_;
};

// Runs a function once. Every call() returns only after the first call's function has
// returned (or thrown: that still counts as done, as in Go). Calling call() from inside the
// function deadlocks, as in Go (and the deadlock detector says so).
// Memory ordering: the function's effects are visible to every call() that returns.
class Once {
 public:
  explicit Once(SourceLocation where = SourceLocation::current()) : info_("Once", where) {}
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;

  template <class F>
  void call(F&& f) {
    if (state_.load(std::memory_order_acquire) == kDone) {
      if (detail::checks_on()) [[unlikely]] {
        detail::race_acquire(&info_);  // the function's return -> this call's
      }
      return;
    }
    if (!begin()) {
      if (detail::checks_on()) [[unlikely]] {
        detail::race_acquire(&info_);
      }
      return;  // another caller ran it, and finished
    }
    struct Finish {
      Once* o;
      ~Finish() {
        if (detail::checks_on()) [[unlikely]] {
          detail::race_release_merge(&o->info_);  // while the Once is surely alive
        }
        o->finish();
      }
    } finish{this};
    std::forward<F>(f)();
  }

 private:
  bool begin();   // true: this caller runs the function; false: it has run (this one waited)
  void finish();  // done: releases the waiters; its last touch of *this is one atomic
  // kDone alone, kRunning plus kWaiter per goroutine that waits for the first call, or 0.
  static constexpr std::uint64_t kRunning = 1, kDone = 2, kWaiter = 4;
  std::atomic<std::uint64_t> state_{0};
  detail::SpinLock lock_;
  detail::WaitQueue waiters_;
  ObjectInfo info_;
};

// Waits for a collection of goroutines: add(n) before starting them, done() in each, wait()
// until the counter is back to zero. Going below zero throws Panic("sync: negative WaitGroup
// counter"); an add() from zero racing with a wait() that is being released throws Go's
// Panic("sync: WaitGroup misuse: Add called concurrently with Wait").
// As in Go, the counter and the number of waiters share one atomic word: the done() that
// brings the counter to zero touches nothing else unless goroutines wait, so the waiter may
// destroy the WaitGroup as soon as wait() returns.
// Memory ordering: everything before a done() happens-before the wait() it releases returns.
class WaitGroup {
 public:
  explicit WaitGroup(SourceLocation where = SourceLocation::current());
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(std::int64_t delta);
  void done() { add(-1); }
  void wait();

 private:
  void wait_for_zero();
  void release_waiters();
  // Go's layout: the counter in the high 32 bits, the goroutines waiting in the low 32.
  std::atomic<std::uint64_t> state_{0};
  detail::SpinLock lock_;
  detail::WaitQueue waiters_;
  ObjectInfo info_;
};

}  // namespace conc::rt
