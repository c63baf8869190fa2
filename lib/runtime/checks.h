#pragma once
// What the runtime's hazard checkers found in a run, as structured records (RunResult holds
// them) and as text in Go's words (the format_* functions; the runtime itself never prints):
//
//   RaceReport        the happens-before race detector (shared.h: rt::Shared<T>), as Go's
//                     `-race` reports a data race.
//   MutexCycle        beyond Go: goroutines blocked on Mutexes in a wait-for cycle, found the
//                     moment the cycle closes even though other goroutines still run (Go
//                     reports a deadlock only once every goroutine is asleep).
//   LockOrderWarning  beyond Go, as Linux's lockdep and TSan: two locks taken in both orders
//                     (A then B here, B then A there), reported in a run that did not deadlock
//                     (opt-in: Config::check_lock_order).
//
// A "site" is a source location: file, line and, when the compiler knows it, the function.
// Strings point to string literals (__builtin_FILE and friends): valid for the whole process.

#include <cstdint>
#include <string>
#include <vector>

namespace conc::rt {

struct Site {
  const char* file = "";
  std::uint32_t line = 0;     // 0: unknown (goroutine 1, started by run(), has no go statement)
  const char* function = "";  // may be empty
};

// --- data races ------------------------------------------------------------------------------

// One of the two accesses of a race.
struct RaceAccess {
  bool write = false;
  std::uint64_t goroutine = 0;
  Site at;                 // the load() or store() call
  Site goroutine_created;  // the go() call that started the goroutine (line 0: goroutine 1)
  bool goroutine_finished = false;  // it had returned when the race was found
};

// A data race: `current` is not ordered after `previous` by any happens-before edge the
// runtime knows (go, channels, sync), and at least one of them is a write.
struct RaceReport {
  std::uintptr_t address = 0;  // of the Shared<T>'s value, as Go prints the variable's address
  Site variable_created;       // where the Shared<T> was constructed
  RaceAccess current;          // the access that found the race
  RaceAccess previous;         // the earlier access it conflicts with
};

// Go's report, between its two lines of '=' ("WARNING: DATA RACE", "Write at 0x... by
// goroutine 7:", the sites, "Previous read at ...", "Goroutine 7 (running) created at:" ...).
std::string format_race(const RaceReport& r);

// --- mutex wait-for cycles (partial deadlocks) ---------------------------------------------

struct LockInfo {
  const char* kind = "";  // "Mutex", "RWMutex"
  std::uint64_t id = 0;   // the object number the deadlock report uses ("Mutex #3")
  Site created;
};

// One goroutine of a cycle: it waits for `waits_for`, which `held_by` holds (the next link's
// goroutine; the last link's holder is the first link's goroutine).
struct CycleLink {
  std::uint64_t goroutine = 0;
  Site goroutine_created;
  LockInfo waits_for;
  std::uint64_t held_by = 0;
};

struct MutexCycle {
  std::vector<CycleLink> links;  // starts at the lowest goroutine id
};

// "partial deadlock: mutex wait-for cycle" and one line per goroutine: who holds what, waits
// for what, and where each goroutine and lock was created.
std::string format_mutex_cycle(const MutexCycle& c);

// --- lock order inversions -----------------------------------------------------------------

// Where one goroutine took `second` while it held `first`.
struct LockOrderUse {
  std::uint64_t goroutine = 0;
  Site first_locked;   // the lock() call that took `first`
  Site second_locked;  // the lock() call that took `second` while `first` was held
};

// Locks a and b were taken in both orders: a then b (`a_then_b`), and b then a (`b_then_a`,
// possibly through other locks: b then c, c then a; then `b_then_a` shows its first step).
// Two goroutines doing the same at the wrong moment deadlock.
struct LockOrderWarning {
  LockInfo a;
  LockInfo b;
  LockOrderUse a_then_b;  // the order seen first (its first step, for a chain)
  LockOrderUse b_then_a;  // the inverted order, which raised the warning
  LockInfo a_then;        // the lock a_then_b took after a: b, or the next lock of the chain
};

// "WARNING: lock order inversion (potential deadlock)", both orders with their sites.
std::string format_lock_order(const LockOrderWarning& w);

}  // namespace conc::rt
