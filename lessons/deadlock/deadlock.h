#pragma once
// Lesson `deadlock` (claim C26): two threads taking two locks in opposite orders deadlock; a
// watchdog over a wait-for graph sees the cycle, prints it and makes the threads give up
// within a bound; the fixes (one global order, std::scoped_lock, try_lock with back-off) run
// to the end; dining philosophers, naive and ordered; then the runtime's deadlock reports for
// goroutines. The verdict rule and the cycle search are pure functions (verdicts.cpp,
// waits_for.cpp).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::deadlock {

// The wait-for cycle among threads: holder[lock] is the thread holding it (-1: free),
// waiting[thread] the lock it waits for (-1: none). Returns the threads of a cycle, in order
// (each waits for a lock the next one holds), or an empty vector.
std::vector<int> find_cycle(const std::vector<int>& holder, const std::vector<int>& waiting);

// Locks whose holders and waiters are recorded. acquire() tries in short timed attempts, so a
// thread told to give up stops waiting within one attempt.
class WatchedLocks {
 public:
  WatchedLocks(int locks, int threads);
  bool acquire(int thread, int lock);  // false once give_up() was called
  bool try_acquire(int thread, int lock);
  // Both at once, by std::scoped_lock's algorithm (std::lock: lock one, try the other, and on
  // failure release and start from the other): no order needed, no deadlock possible.
  void acquire_both(int thread, int first, int second);
  void release(int thread, int lock);
  void release_all(int thread);  // every lock this thread holds
  void give_up() { giving_up_.store(true); }
  bool giving_up() const { return giving_up_.load(); }
  std::int64_t acquisitions() const { return acquisitions_.load(); }
  // The cycle now, with the locks: {thread, lock it holds that the previous one waits for}.
  std::vector<int> cycle(std::vector<int>* waits_for) const;

 private:
  std::unique_ptr<std::timed_mutex[]> locks_;
  mutable std::mutex meta_;
  std::vector<int> holder_, waiting_;
  std::atomic<bool> giving_up_{false};
  std::atomic<std::int64_t> acquisitions_{0};
};

struct Watch {
  bool completed = false;      // every thread finished its work
  std::vector<int> cycle;      // threads of the cycle seen (empty: none)
  std::vector<int> waits_for;  // the lock each of them waited for
  double detect_ms = 0;        // from the start to the cycle's confirmation
  double end_ms = 0;           // from the start to the last thread's exit
};
// Runs body(thread, locks) on `threads` threads while the calling thread watches the wait-for
// graph: a cycle that stays with no acquisition for kConfirm is a deadlock; the threads are
// then told to give up. After `bound` they are told to give up in any case. Joins them all.
inline constexpr std::chrono::milliseconds kConfirm{100};
Watch run_watched(int threads, int locks, std::chrono::milliseconds bound,
                  const std::function<void(int, WatchedLocks&)>& body);

// "thread 1 holds A, waits for B; thread 2 holds B, waits for A"
std::string describe_cycle(const Watch& w, const std::vector<std::string>& thread_names,
                           const std::vector<std::string>& lock_names);

// C26's evidence.
struct DeadlockView {
  bool opposite_deadlocked = false;  // the two-lock demo ended in a detected cycle
  std::size_t cycle_length = 0;
  double end_ms = 0;    // when its threads had all exited
  double bound_ms = 0;  // the recovery bound
  int fixes_run = 0, fixes_completed = 0;
  bool philosophers_naive_deadlocked = false;
  bool philosophers_ordered_completed = false;
};
inline constexpr std::size_t kTwoLockCycle = 2;
report::ClaimVerdict judge_c26(const DeadlockView& v);

// The threads' experiments, each one a part of its own (each fills its share of `view`): two
// threads taking two locks in opposite orders, the fixes, the dining philosophers.
void opposite_orders_experiment(LessonContext& ctx, std::chrono::milliseconds bound,
                                DeadlockView& view);
void fixes_experiment(LessonContext& ctx, std::chrono::milliseconds bound, DeadlockView& view);
void philosophers_experiment(LessonContext& ctx, std::chrono::milliseconds bound, int philosophers,
                             DeadlockView& view);
void goroutine_experiments(LessonContext& ctx);

// Beyond Go (beyond_go.cpp): a mutex cycle found while another goroutine runs, and a lock-order
// inversion warned about in a run that did not deadlock.
struct BeyondGoView {
  bool partial_found = false;  // the runtime ended the run with DeadlockKind::mutex_cycle
  double partial_ms = 0;       // run() start to return
  bool inversion_warned = false;
  bool inversion_completed = false;
};
void beyond_go(LessonContext& ctx, BeyondGoView& view);

}  // namespace conc::lessons::deadlock
