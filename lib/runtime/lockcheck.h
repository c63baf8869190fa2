#pragma once
// Internal: the two lock checkers that go beyond Go (checks.h, runtime.h: DeadlockKind).
//
// LockWaits finds mutex wait-for cycles while other goroutines run. A goroutine about to park
// on a Mutex or RWMutex registers what it waits for and walks lock -> holder -> the lock that
// holder waits for -> ...; a walk that comes back to it is a candidate. Holders are read from
// ObjectInfo::holder, which lags the truth in one window: between a lock()'s compare-and-swap
// and its store of the holder, a few instructions (Mutex::hand_off sets it itself, since its
// new owner may wait in a run queue). So a candidate is reported only when the monitor thread
// (timer.cpp, every tick) finds the same cycle again, with the same waits (same park seq, none
// claimed) and the same holders, at least kConfirmNs after it was first seen: a holder would
// have stored its id long before. The monitor also walks from every registered wait itself, so a
// cycle closed while a holder was in that window is still found. Blind spot: an RWMutex held
// for reading names no holder (readers are counted, not named), so a cycle through read locks
// is not found; channels are not locks and are not followed either.
//
// LockChecker (Config::check_lock_order) is lockdep: the graph of "held, then taken" pairs with
// their sites; a new pair that closes a path in the graph is an inversion.
//
// Both take a run-wide lock: LockWaits only on the way into and out of a park on a lock (a
// context switch costs more), LockChecker at every lock and unlock (hence opt-in).

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/checks.h"
#include "runtime/object_info.h"
#include "runtime/source_location.h"
#include "runtime/spinlock.h"

namespace conc::rt::detail {

struct Fiber;
class Scheduler;

class LockWaits {
 public:
  // g (current, its wait `seq` begun) is about to park on `lock`.
  void blocking(Fiber* g, std::uint64_t seq, const ObjectInfo* lock, std::int64_t now_ns);
  // ... and no longer waits (woken, or unwinding).
  void done_waiting(const Fiber* g);
  // The monitor's tick: a cycle seen again at least kConfirmNs after it was first seen, or
  // nothing (false).
  bool confirmed_cycle(std::int64_t now_ns, MutexCycle* out);

  static constexpr std::int64_t kConfirmNs = 1'000'000;

 private:
  struct Wait {
    Fiber* g = nullptr;
    std::uint64_t seq = 0;
    const ObjectInfo* lock = nullptr;
  };
  struct Link {  // one goroutine of a cycle, as seen
    Wait wait;
    std::uint64_t holder = 0;
    bool operator==(const Link& o) const {
      return wait.g == o.wait.g && wait.seq == o.wait.seq && wait.lock == o.wait.lock &&
             holder == o.holder;
    }
  };
  struct Candidate {
    std::vector<Link> links;  // rotated to start at the lowest goroutine id
    std::int64_t first_seen_ns = 0;
  };

  std::vector<Link> walk_from(std::uint64_t start) const;  // mu_ held; empty: no cycle
  bool still_parked(const Link& l) const;
  void remember(std::vector<Link> links, std::int64_t now_ns);  // mu_ held

  SpinLock mu_;
  // goroutine id -> its wait on a lock (lock null: not waiting). Entries stay once made, so
  // that a park allocates only the first time its goroutine waits on a lock.
  std::unordered_map<std::uint64_t, Wait> waiting_;
  std::size_t active_ = 0;  // entries with a lock
  std::vector<Candidate> candidates_;
};

class LockChecker {
 public:
  void locked(std::uint64_t goroutine, const ObjectInfo* lock, SourceLocation at, bool by_try_lock);
  void unlocking(std::uint64_t goroutine, const ObjectInfo* lock);
  std::vector<LockOrderWarning> take_warnings();

 private:
  struct Held {
    const ObjectInfo* lock;
    SourceLocation at;
  };
  struct Edge {  // `from` was held when `to` was taken
    LockInfo from;
    LockInfo to;
    LockOrderUse use;
  };
  using Pair = std::pair<std::uint64_t, std::uint64_t>;  // lock ids
  void record_order(std::uint64_t goroutine, const Held& h, const ObjectInfo* lock,
                    SourceLocation at);  // mu_ held
  // The first edge of a path from `from` to `to` in the graph, or null.
  const Edge* path(std::uint64_t from, std::uint64_t to) const;

  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::vector<Held>> held_;  // goroutine -> locks it holds
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> next_;  // lock id -> taken after
  std::map<Pair, Edge> edges_;  // (from, to) -> the first time it was seen
  std::set<Pair> warned_;       // (lower id, higher id): reported once
  std::vector<LockOrderWarning> warnings_;
};

LockInfo lock_info(const ObjectInfo* o);

}  // namespace conc::rt::detail
