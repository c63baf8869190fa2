#pragma once
// rt::Shared<T>: a variable goroutines share, watched by a happens-before race detector (as Go's
// `go run -race`). Each load() and store() is checked against the earlier accesses of other
// goroutines: an access that no happens-before edge orders after a conflicting one (write-write,
// write-read, read-write) is a data race, reported in RunResult::races (checks.h: RaceReport,
// format_race) with both call sites and where both goroutines were created. The detector needs
// no unlucky timing: a race is reported even in a run where no update happened to be lost.
//
//   rt::Shared<long> counter;                      // outlives run(), like any shared object
//   rt::RunResult r = rt::run([&] {
//     rt::WaitGroup wg;
//     wg.add(2);
//     for (int i = 0; i < 2; ++i) {
//       rt::go([&] { counter.store(counter.load() + 1); wg.done(); });  // races
//     }
//     wg.wait();
//   });
//   // r.races.size() == 1 (deduplicated), rt::format_race(r.races[0]) reads like Go's report
//
// The happens-before edges (Go's memory model), each a vector-clock join in the runtime:
//   go(fn)                  the caller's past -> fn's start
//   Chan send               -> the receive that takes that value; unbuffered: the receive ->
//                              the send's completion as well
//   buffered, capacity C    the k-th receive -> the (k+C)-th send's completion
//   Chan close              -> every receive that returns nullopt because of it
//   Mutex unlock            -> the next lock() / successful try_lock()
//   RWMutex unlock          -> every later rlock() and lock(); runlock() -> the lock() it admits
//   WaitGroup done()        -> the wait() it releases returning (any add() that reaches 0)
//   Once                    the function's return -> every call() returning
//   Cond signal/broadcast   -> the woken wait() returning (and through its Mutex, as in Go)
//   select                  as the send or receive of the case that proceeded
// Nothing else orders accesses: not time (sleep_for), not yield, not the worker a goroutine
// ran on, not atomics or locks outside the runtime (std::mutex, std::atomic: use rt's).
//
// Algorithm: FastTrack (Flanagan and Freund, PLDI 2009). Each goroutine has a vector clock;
// each Shared<T> keeps the epoch (goroutine, clock) of its last write and of its last read, and
// a read vector only while reads are concurrent. A check is O(1) except in that read-shared
// state. Clocks are indexed by a slot per goroutine that used the detector: memory grows as
// goroutines x slots, which suits lessons and tests (thousands of goroutines), not servers.
//
// Cost. The detector starts in a run at the first load() or store() of a Shared<T> inside a
// goroutine; edges made before carry no accesses and need no clocks. Until then (and in any run
// that uses no Shared<T>) each hook is a load of a process-wide counter and a branch not taken.
// Once on, every channel operation, lock, spawn and wait of that run updates vector clocks.
//
// Reports are deduplicated by the pair of sites (current, previous), as Go does. A report's
// "previous" access is the last one the detector kept (FastTrack forgets reads ordered before a
// later write): it is a real conflicting access, not always the only one.
//
// The value itself lives in a std::atomic<T> accessed with relaxed loads and stores: a racy
// program built on Shared<T> loses updates exactly as a plain variable would (load, then a
// separate store), without undefined behaviour, and ThreadSanitizer stays quiet about it.
// Precondition on T: trivially copyable and lock-free as a std::atomic (scalars, pointers,
// small structs). Accesses outside a goroutine (before or after run()) are not checked.

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "runtime/checks.h"
#include "runtime/source_location.h"
#include "runtime/spinlock.h"

namespace conc::rt {

namespace detail {

struct RaceShadow;  // race.cpp: the FastTrack state of one variable in one run

// The detector's bookkeeping for one Shared<T>, independent of T.
class RaceVar {
 public:
  RaceVar(const void* address, SourceLocation created) : address_(address), created_(created) {}
  ~RaceVar();
  RaceVar(const RaceVar&) = delete;
  RaceVar& operator=(const RaceVar&) = delete;

  void read(SourceLocation at) { access(false, at); }
  void write(SourceLocation at) { access(true, at); }

 private:
  void access(bool write, SourceLocation at);  // race.cpp

  const void* address_;
  SourceLocation created_;
  SpinLock lock_;                 // guards shadow_ (accesses come from several workers)
  RaceShadow* shadow_ = nullptr;  // created at the first checked access
};

}  // namespace detail

template <class T>
class Shared {
  static_assert(std::is_trivially_copyable_v<T>, "Shared<T>: T must be trivially copyable");
  static_assert(std::atomic<T>::is_always_lock_free,
                "Shared<T>: T must be lock-free as a std::atomic (a scalar or a small struct)");

 public:
  explicit Shared(T initial = T{}, SourceLocation created = SourceLocation::current())
      : value_(initial), var_(&value_, created) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  // Checked accesses: the race check, then a relaxed atomic load or store.
  T load(SourceLocation at = SourceLocation::current()) const {
    var_.read(at);
    return value_.load(std::memory_order_relaxed);
  }
  void store(T v, SourceLocation at = SourceLocation::current()) {
    var_.write(at);
    value_.store(v, std::memory_order_relaxed);
  }

  // The value without a check: for the code that set up or inspects the variable outside the
  // program (before or after run()), never for goroutines.
  T unchecked_load() const { return value_.load(std::memory_order_relaxed); }
  const void* address() const { return &value_; }

 private:
  std::atomic<T> value_;
  mutable detail::RaceVar var_;
};

}  // namespace conc::rt
