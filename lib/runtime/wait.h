#pragma once
// Internal: a goroutine's entry in an object's wait queue (Go's sudog). A goroutine and the
// objects it waits on are many-to-many (a select waits on several channels; a channel has
// many waiters), so a wait needs its own node. Waiters live on the waiting goroutine's stack
// and are linked only while it is parked; every field is guarded by the lock of the object
// whose queue holds the waiter.

#include <cstdint>

namespace conc::rt::detail {

struct Fiber;

struct Waiter {
  Fiber* g = nullptr;
  std::uint64_t seq = 0;  // the wait this entry belongs to (claim_wake)
  void* elem = nullptr;   // send: the value to take; receive: storage to construct into
  Waiter* next = nullptr;
  Waiter* prev = nullptr;
  Waiter* wake_next = nullptr;  // a batch to ready after unlocking (ready_batch)
  bool linked = false;
  bool success = false;  // set by the waker: false = woken by close(); Mutex: lock handed over
  int case_index = -1;   // select: which case this waiter stands for
  bool is_send = false;
  bool in_select = false;  // one of several waiters of a select: wakers race to claim it
};

// FIFO of waiters. Not thread-safe: the owner's lock guards it.
class WaitQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  Waiter* front() const { return head_; }

  void push(Waiter* w) {
    w->next = nullptr;
    w->prev = tail_;
    (tail_ != nullptr ? tail_->next : head_) = w;
    tail_ = w;
    w->linked = true;
  }

  // A waiter that was woken and lost the race goes back to the front (Mutex, as Go's LIFO
  // requeue): it keeps its turn instead of queueing behind newer arrivals.
  void push_front(Waiter* w) {
    w->prev = nullptr;
    w->next = head_;
    (head_ != nullptr ? head_->prev : tail_) = w;
    head_ = w;
    w->linked = true;
  }

  void remove(Waiter* w) {
    if (!w->linked) {
      return;
    }
    (w->prev != nullptr ? w->prev->next : head_) = w->next;
    (w->next != nullptr ? w->next->prev : tail_) = w->prev;
    w->next = w->prev = nullptr;
    w->linked = false;
  }

  // Unlinks waiters from the front until one whose wake this caller wins, and returns it with
  // its goroutine's `fired` pointing at it. Losers (a select that fired elsewhere) are
  // dropped: their owner finds them unlinked. Only select waiters (and wakers that are not
  // workers) pay for a CAS: an ordinary waiter has no other waker, and the scheduler claims
  // parked goroutines itself only while every worker is idle.
  // `from_outside`: the caller is not a worker (the timer thread), so it may race with the
  // scheduler's own claims at the end of a program and must claim with a CAS too.
  Waiter* pop_claimed(bool from_outside = false);  // wait.cpp
  // pop_claimed() until empty: every waiter won, pushed onto the front of `batch` (linked
  // through wake_next), for ready_batch() once the owner's lock is released.
  Waiter* pop_all_claimed(Waiter* batch = nullptr);

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

// A goroutine's select cases alive (chan.h: current_case_pins, drop_handle).
struct CasePins {
  std::uint32_t count = 0;
  void* deferred = nullptr;  // the Chan handles set aside (chan.cpp), or null
};

// Readies every waiter of a batch linked through wake_next (call it with no lock held).
void ready_batch(Waiter* batch);  // wait.cpp

class SpinLock;

// The usual Cleanup (sched.h) of a single wait: take `waiter` out of `queue` under `lock`.
struct LeaveQueue {
  SpinLock* lock;
  WaitQueue* queue;
  Waiter* waiter;
};
void leave_queue(void* leave_queue_arg);  // park.cpp

}  // namespace conc::rt::detail
