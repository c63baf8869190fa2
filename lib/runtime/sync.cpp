// The sync package. Each type keeps its waiters in a WaitQueue under its own SpinLock and
// wakes them through the same claim_wake/ready protocol as channels.
//
// Invariants:
//   - Mutex: state_ == 0 iff unlocked; a goroutine parks only after seeing state_ >= 2 under
//     qlock_, and an unlock() that found waiters stores 0 (or hands over) with qlock_ held and
//     pops the head waiter before releasing qlock_, so no wake-up is lost. While kStarving is
//     set the lock never reads 0 and nobody changes state_ but under qlock_ (and the holder's
//     unlock() fetch_sub): newcomers queue, unlock() hands the lock to the head waiter, which
//     it marks `success`;
//   - RWMutex (under lock_): writer_ implies readers_ == 0; a non-empty writeq_ stops new
//     readers; a woken reader or writer was already granted the lock by its waker;
//   - WaitGroup: state_ = counter << 32 | waiters. A waiter counts itself (CAS) and queues
//     under lock_, only while state_ != 0; the add() that brings the counter to 0 with waiters
//     counted pops them under lock_ and then CASes state_ to 0 (retrying if a waiter counted
//     itself meanwhile), and readies them only after that;
//   - Once: state_ is 0, kRunning + k * kWaiter, or kDone; waiters count themselves and queue
//     under lock_ while kRunning is set; finish() pops them and CASes state_ to kDone last.
//   - Lifetime (sync.h): after the store or CAS that publishes a release, the releaser touches
//     only the waiters it popped (their goroutines cannot return before it readies them), or,
//     for a Mutex, qlock_, which ~Mutex() takes to wait it out.
#include "runtime/sync.h"

#include <unistd.h>

#include <cstdio>

#include "runtime/compact.h"
#include "runtime/lockcheck.h"
#include "runtime/panic.h"
#include "runtime/sched.h"

namespace conc::rt {

namespace {

using detail::Fiber;
using detail::ready_batch;
using detail::Waiter;
using detail::WaitQueue;

// Go's unrecoverable "fatal error: ...": not a panic, the process ends (status 2).
[[noreturn]] void go_fatal(const char* message) {
  std::fprintf(stderr, "fatal error: %s\n", message);
  std::fflush(stderr);
  ::_exit(2);
}

bool unwinding_program() {
  Fiber* g = detail::current_fiber();
  return g != nullptr && g->sched->shutting_down();
}

std::uint64_t current_id() {
  return detail::current_goroutine_id();
}

// Parks the current goroutine as `w` in q (lock held; park releases it), at the back or, for a
// Mutex waiter that lost a race after waking, at the front. On cancellation removes the waiter
// and unwinds.
void wait_in(WaitQueue& q, Waiter& w, detail::SpinLock& lock, detail::WaitReason why,
             const ObjectInfo* info, bool at_front = false) {
  if (at_front) {
    q.push_front(&w);
  } else {
    q.push(&w);
  }
  detail::LeaveQueue leave{&lock, &q, &w};
  if (detail::park(why, info, &detail::SpinLock::unlock_fn, &lock,
                   {&detail::leave_queue, &detail::park_cleanup(w.g, leave)}) ==
      detail::Wake::cancelled) {
    detail::throw_cancelled();
  }
}

// The calling goroutine's waiter for one wait: `local`, on its stack, or for a compact
// goroutine the one in its off-stack record (compact.h), which wakers may touch while its
// stack is copied out.
Waiter& own_waiter(Waiter& local) {
  Fiber* g = detail::current_fiber_checked("a blocking sync call");
  Waiter& w = detail::park_waiter(g, local);
  w = Waiter{};
  w.g = g;
  w.seq = detail::begin_wait(g);
  return w;
}

// A wait on a lock, registered with the mutex wait-for cycle checker (lockcheck.h) for as
// long as it lasts (also when the program's end unwinds it).
class LockWait {
 public:
  LockWait(const Waiter& w, const ObjectInfo* lock) : g_(w.g) {
    g_->sched->lock_waits->blocking(g_, w.seq, lock, g_->sched->now_ns());
  }
  ~LockWait() { g_->sched->lock_waits->done_waiting(g_); }
  LockWait(const LockWait&) = delete;
  LockWait& operator=(const LockWait&) = delete;

 private:
  Fiber* g_;
};

constexpr int kSpinRounds = 4;
constexpr int kPausesPerRound = 30;
// A Mutex waiter that waited longer than this switches the mutex to starvation mode (Go's
// starvationThresholdNs).
constexpr std::int64_t kStarvationNs = 1'000'000;

}  // namespace

// --- Mutex ---------------------------------------------------------------------------------

Mutex::Mutex(SourceLocation where) : info_("Mutex", where) {}

bool Mutex::try_lock(SourceLocation at) {
  std::uint32_t expected = 0;
  if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
    return false;
  }
  info_.holder.store(current_id(), std::memory_order_relaxed);
  if (detail::checks_on()) [[unlikely]] {
    detail::hook_locked(&info_, at, /*by_try_lock=*/true);
  }
  return true;
}

void Mutex::lock_slow() {
  Fiber* g = detail::current_fiber_checked("Mutex::lock");
  detail::Scheduler* sched = g->sched;
  // Spin briefly while the holder may be running on another worker (Go: 4 x 30 PAUSE), unless
  // the lock goes to waiters only.
  if (sched->workers.size() > 1) {
    for (int round = 0; round < kSpinRounds; ++round) {
      for (int i = 0; i < kPausesPerRound; ++i) {
        detail::cpu_relax();
      }
      std::uint32_t expected = 0;
      const std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & kStarving) != 0) {
        break;
      }
      if (s == 0 && state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
        return;
      }
    }
  }
  std::int64_t wait_start = 0;  // when this goroutine first queued; 0: not yet
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kStarving) == 0) {
      // Normal mode: take it if free (as contended: others may wait), else announce a waiter.
      if (s == 0) {
        if (state_.compare_exchange_weak(s, 2, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      if (s == 1 && !state_.compare_exchange_weak(s, 2, std::memory_order_relaxed,
                                                  std::memory_order_relaxed)) {
        continue;
      }
    }
    const std::int64_t now = sched->now_ns();
    const bool requeue = wait_start != 0;
    const bool starving = requeue && now - wait_start > kStarvationNs;
    if (!requeue) {
      wait_start = now;
    }
    qlock_.lock();
    s = state_.load(std::memory_order_relaxed);
    if (s < 2 || (starving && s == 2 &&
                  !state_.compare_exchange_strong(s, 2 | kStarving, std::memory_order_relaxed))) {
      qlock_.unlock();  // unlocked meanwhile, or the waiters bit was lost: look again
      continue;
    }
    Waiter local;
    Waiter& w = own_waiter(local);
    {
      LockWait registered(w, &info_);
      wait_in(waiters_, w, qlock_, detail::WaitReason::mutex_lock, &info_, requeue);
    }
    if (!w.success) {
      continue;  // woken to compete (normal mode)
    }
    // Handed the lock (starvation mode). A short wait means the queue moves again: back to
    // normal mode, where barging is cheaper (Go's rule; the last waiter was handled by the
    // unlocker).
    if ((state_.load(std::memory_order_acquire) & kStarving) != 0 &&
        sched->now_ns() - wait_start < kStarvationNs) {
      qlock_.lock();
      state_.store(state_.load(std::memory_order_relaxed) & ~kStarving, std::memory_order_relaxed);
      qlock_.unlock();
    }
    return;
  }
}

// Waits out an unlock() that released the mutex and still holds qlock_ (it pops and wakes the
// waiter under it): the goroutine that took the lock next may destroy the mutex at once.
Mutex::~Mutex() {
  qlock_.lock();
  qlock_.unlock();
}

// The fast path (in sync.h) found waiters (prev >= 2) or an unlocked mutex (prev == 0).
void Mutex::unlock_slow(std::uint32_t prev) {
  if (prev == 0) {  // not locked
    state_.store(0, std::memory_order_relaxed);
    if (unwinding_program()) {
      return;  // a lock guard unwinding out of a cancelled Cond::wait
    }
    go_fatal("sync: unlock of unlocked mutex");
  }
  qlock_.lock();
  if ((prev & kStarving) == 0) {
    // Normal mode: release, then wake the head waiter to compete. A waiter may have switched
    // to starvation mode since the fetch_sub: then hand over instead.
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    while ((s & kStarving) == 0) {
      if (state_.compare_exchange_weak(s, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        Waiter* w = waiters_.pop_claimed();
        qlock_.unlock();  // the last touch of *this: ~Mutex waits for it
        if (w != nullptr) {
          detail::ready(w->g);
        }
        return;
      }
    }
  }
  hand_off_locked();
}

// Starvation mode (qlock_ held; released here): the lock goes straight to the head waiter and
// stays locked throughout.
void Mutex::hand_off_locked() {
  Waiter* w = waiters_.pop_claimed();
  if (w == nullptr) {
    state_.store(0, std::memory_order_release);  // every waiter left (the program is ending)
    qlock_.unlock();
    return;
  }
  w->success = true;
  info_.holder.store(w->g->id, std::memory_order_relaxed);  // it may wait in a run queue
  // Go's rule: the last waiter ends starvation mode.
  state_.store(waiters_.empty() ? 1 : 2 | kStarving, std::memory_order_release);
  qlock_.unlock();
  detail::ready(w->g);
}

// --- RWMutex -------------------------------------------------------------------------------

RWMutex::RWMutex(SourceLocation where) : info_("RWMutex", where) {}

void RWMutex::rlock() {
  lock_.lock();
  if (!writer_ && writeq_.empty()) {
    ++readers_;
    info_.readers.store(readers_, std::memory_order_relaxed);
    lock_.unlock();
  } else {
    Waiter local;
    Waiter& w = own_waiter(local);
    LockWait registered(w, &info_);
    wait_in(readq_, w, lock_, detail::WaitReason::rwmutex_rlock, &info_);
  }
  if (detail::checks_on()) [[unlikely]] {
    detail::race_rlocked(&info_);
  }
}

void RWMutex::runlock() {
  if (detail::checks_on()) [[unlikely]] {
    detail::race_runlocking(&info_);
  }
  lock_.lock();
  if (readers_ == 0) {
    lock_.unlock();
    go_fatal("sync: RUnlock of unlocked RWMutex");
  }
  Waiter* next = nullptr;
  info_.readers.store(--readers_, std::memory_order_relaxed);
  if (readers_ == 0) {
    next = grant_to_writer();
  }
  lock_.unlock();
  if (next != nullptr) {
    detail::ready(next->g);
  }
}

void RWMutex::lock(SourceLocation at) {
  lock_.lock();
  if (!writer_ && readers_ == 0) {
    writer_ = true;
    info_.holder.store(current_id(), std::memory_order_relaxed);
    lock_.unlock();
  } else {
    Waiter local;
    Waiter& w = own_waiter(local);
    LockWait registered(w, &info_);
    wait_in(writeq_, w, lock_, detail::WaitReason::rwmutex_lock, &info_);
  }
  if (detail::checks_on()) [[unlikely]] {
    detail::hook_locked(&info_, at);
  }
}

bool RWMutex::try_lock(SourceLocation at) {
  lock_.lock();
  const bool free = !writer_ && readers_ == 0;
  if (free) {
    writer_ = true;
    info_.holder.store(current_id(), std::memory_order_relaxed);
  }
  lock_.unlock();
  if (free && detail::checks_on()) [[unlikely]] {
    detail::hook_locked(&info_, at, /*by_try_lock=*/true);
  }
  return free;
}

bool RWMutex::try_rlock() {
  lock_.lock();
  const bool admitted = !writer_ && writeq_.empty();
  if (admitted) {
    ++readers_;
    info_.readers.store(readers_, std::memory_order_relaxed);
  }
  lock_.unlock();
  if (admitted && detail::checks_on()) [[unlikely]] {
    detail::race_rlocked(&info_);
  }
  return admitted;
}

// Takes the next waiting writer (lock_ held, the lock free) and grants it the lock; null if
// no writer waits. The caller readies it once lock_ is released.
Waiter* RWMutex::grant_to_writer() {
  Waiter* w = writeq_.pop_claimed();
  if (w != nullptr) {
    writer_ = true;
    info_.holder.store(w->g->id, std::memory_order_relaxed);
  }
  return w;
}

void RWMutex::unlock() {
  if (detail::checks_on()) [[unlikely]] {
    detail::hook_unlocking(&info_);
  }
  lock_.lock();
  if (!writer_) {
    lock_.unlock();
    if (unwinding_program()) {
      return;
    }
    go_fatal("sync: Unlock of unlocked RWMutex");
  }
  writer_ = false;
  info_.holder.store(0, std::memory_order_relaxed);
  Waiter* batch = nullptr;
  while (Waiter* r = readq_.pop_claimed()) {  // admit every waiting reader
    ++readers_;
    info_.readers.store(readers_, std::memory_order_relaxed);
    r->wake_next = batch;
    batch = r;
  }
  if (batch == nullptr) {
    batch = grant_to_writer();
    if (batch != nullptr) {
      batch->wake_next = nullptr;
    }
  }
  lock_.unlock();
  ready_batch(batch);
}

// --- Cond ----------------------------------------------------------------------------------

Cond::Cond(Mutex& m, SourceLocation where) : mutex_(m), info_("Cond", where) {}

void Cond::wait() {
  lock_.lock();
  Waiter local;
  Waiter& w = own_waiter(local);
  waiters_.push(&w);
  mutex_.unlock();  // after queueing: a signal() from now on finds us
  detail::LeaveQueue leave{&lock_, &waiters_, &w};
  if (detail::park(detail::WaitReason::cond_wait, &info_, &detail::SpinLock::unlock_fn, &lock_,
                   {&detail::leave_queue, &detail::park_cleanup(w.g, leave)}) ==
      detail::Wake::cancelled) {
    detail::throw_cancelled();  // the mutex stays unlocked: Mutex::unlock tolerates that now
  }
  mutex_.lock();
}

void Cond::signal() {
  lock_.lock();
  Waiter* w = waiters_.pop_claimed();
  lock_.unlock();
  if (w != nullptr) {
    if (detail::checks_on()) [[unlikely]] {
      detail::race_pass_to(w->g);  // claimed, not yet readied: its clock is ours to update
    }
    detail::ready(w->g);
  }
}

void Cond::broadcast() {
  lock_.lock();
  Waiter* batch = waiters_.pop_all_claimed();
  lock_.unlock();
  if (detail::checks_on()) [[unlikely]] {
    for (Waiter* w = batch; w != nullptr; w = w->wake_next) {
      detail::race_pass_to(w->g);
    }
  }
  ready_batch(batch);
}

// --- Once ----------------------------------------------------------------------------------

bool Once::begin() {
  lock_.lock();
  std::uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == kDone) {
      lock_.unlock();
      return false;
    }
    if (s == 0) {  // nobody ran it: this caller does (only lock_ holders leave 0)
      state_.store(kRunning, std::memory_order_relaxed);
      info_.holder.store(current_id(), std::memory_order_relaxed);
      lock_.unlock();
      return true;
    }
    if (state_.compare_exchange_weak(s, s + kWaiter, std::memory_order_acquire)) {
      break;  // running: wait for it, counted so that finish() sees us
    }
  }
  Waiter local;
  Waiter& w = own_waiter(local);
  wait_in(waiters_, w, lock_, detail::WaitReason::mutex_lock, &info_);
  return false;
}

void Once::finish() {
  std::uint64_t s = kRunning;
  if (state_.compare_exchange_strong(s, kDone, std::memory_order_acq_rel)) {
    return;  // nobody waits: done, and not touched again
  }
  Waiter* batch = nullptr;
  do {
    lock_.lock();
    batch = waiters_.pop_all_claimed(batch);
    s = state_.load(std::memory_order_relaxed);
    lock_.unlock();
  } while (!state_.compare_exchange_strong(s, kDone, std::memory_order_acq_rel));
  ready_batch(batch);  // only now: a waiter may destroy the Once when it returns
}

// --- WaitGroup -----------------------------------------------------------------------------

namespace {
constexpr int kCounterShift = 32;
}  // namespace

WaitGroup::WaitGroup(SourceLocation where) : info_("WaitGroup", where) {}

void WaitGroup::add(std::int64_t delta) {
  if (delta < 0 && detail::checks_on()) [[unlikely]] {
    detail::race_release_merge(&info_);  // done() -> the wait() it releases
  }
  const std::uint64_t step = static_cast<std::uint64_t>(delta) << kCounterShift;
  const std::uint64_t s = state_.fetch_add(step, std::memory_order_acq_rel) + step;
  const auto v = static_cast<std::int32_t>(s >> kCounterShift);
  const auto waiters = static_cast<std::uint32_t>(s);
  if (v < 0) {
    throw Panic("sync: negative WaitGroup counter");
  }
  if (waiters != 0 && delta > 0 && v == delta) {
    throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  }
  if (v > 0 || waiters == 0) {
    return;  // the last done() of a group nobody waits on ends here, touching nothing more
  }
  release_waiters();
}

// The counter reached 0 with waiters counted: wake them, and reset the word to 0 as the very
// last touch (a waiter that finds 0 may return and destroy the WaitGroup).
void WaitGroup::release_waiters() {
  Waiter* batch = nullptr;
  std::uint64_t s = 0;
  do {
    lock_.lock();
    s = state_.load(std::memory_order_relaxed);
    if ((s >> kCounterShift) != 0) {
      lock_.unlock();
      throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
    }
    batch = waiters_.pop_all_claimed(batch);
    lock_.unlock();
  } while (!state_.compare_exchange_strong(s, 0, std::memory_order_acq_rel));
  ready_batch(batch);
}

void WaitGroup::wait() {
  wait_for_zero();
  if (detail::checks_on()) [[unlikely]] {
    detail::race_acquire(&info_);  // every done() -> this return
  }
}

void WaitGroup::wait_for_zero() {
  if (state_.load(std::memory_order_acquire) == 0) {
    return;  // counter 0 and no release in progress
  }
  lock_.lock();
  std::uint64_t s = state_.load(std::memory_order_acquire);
  do {
    if (s == 0) {
      lock_.unlock();
      return;
    }
    // Counter > 0, or 0 with a release in progress: either way, count in and be woken.
  } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire));
  Waiter local;
  Waiter& w = own_waiter(local);
  wait_in(waiters_, w, lock_, detail::WaitReason::waitgroup_wait, &info_);
}

}  // namespace conc::rt
