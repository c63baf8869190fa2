#pragma once
// Internal: the poller behind PollFd (netpoll.h). One per Scheduler.
//
// Invariants:
//   - a PollDesc is never freed while its Netpoller lives: epoll may hand out an event for a
//     descriptor just closed, so a released PollDesc goes to a free list and is reused. Such a
//     stale event can only mark a reused descriptor ready, and every operation retries its
//     system call after a wake-up, so a spurious readiness costs one EAGAIN, never a lost byte;
//   - at most one goroutine waits to read and one to write on a PollDesc (rg, wg; Go's rule
//     for one os.File: concurrent reads are serialised by the caller). Readiness that arrives
//     while nobody waits is kept in rready / wready (edge-triggered epoll says it only once);
//   - the poller that takes a waiter out of rg/wg either wins claim_wake (and readies it) or,
//     when a deadline timer won it first, keeps the readiness in rready / wready;
//   - waiters_ counts goroutines parked on a descriptor: incremented under the PollDesc's lock
//     before the goroutine parks, decremented by the goroutine itself once it runs again, so
//     the deadlock detector never sees an I/O waiter vanish before it is runnable;
//   - at most one worker blocks in epoll_wait (blocker_); a waker that wrote its futex word
//     and then sees it there interrupts it through the eventfd (both seq_cst: one of the two
//     sees the other). The eventfd is level-triggered and drained only by the blocker: a
//     worker's non-blocking poll may see it and leaves it for the one it was written for.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/spinlock.h"

namespace conc::rt::detail {

class Scheduler;
class Worker;
struct Fiber;

class Netpoller;

struct PollDesc {
  SpinLock lock;
  Netpoller* owner = nullptr;
  int fd = -1;
  int refs = 0;          // the owner + operations in flight; the fd closes when it reaches 0
  bool closing = false;  // close() was called
  bool rready = false, wready = false;
  Fiber* rg = nullptr;
  Fiber* wg = nullptr;
  std::uint64_t rseq = 0, wseq = 0;
  std::int64_t rdeadline = 0, wdeadline = 0;  // steady ns; 0 = none
  PollDesc* next_free = nullptr;
};

class Netpoller {
 public:
  explicit Netpoller(Scheduler* s);
  ~Netpoller();

  PollDesc* open(int fd);      // registers fd (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET)
  void release(PollDesc* pd);  // its PollFd is gone: back to the free list
  void close_fd(int fd);       // out of epoll, then closed

  std::int64_t waiters() const { return waiters_.load(std::memory_order_seq_cst); }
  void add_waiter() { waiters_.fetch_add(1, std::memory_order_seq_cst); }
  void remove_waiter() { waiters_.fetch_sub(1, std::memory_order_seq_cst); }

  // Non-blocking poll from a worker's loop: readied goroutines go to w's ring. True when it
  // readied any.
  bool poll_from_worker(Worker* w);
  // Non-blocking poll from the monitor thread: readied goroutines go to the global queue.
  void poll_from_monitor();
  // A sleeping worker's wait: blocks in epoll_wait until a descriptor is ready (the goroutines
  // it readied go to the global queue: `readied`) or a waker interrupts (`interrupted`).
  // `not_blocker`: another worker is already the blocker, or nobody waits on a descriptor:
  // wait on the futex instead.
  enum class Blocked { not_blocker, interrupted, readied };
  Blocked block(Worker* w);
  // A waker took v out of the idle list: interrupt it if it sleeps in epoll_wait.
  void interrupt_if_blocking(Worker* v);

 private:
  // One epoll_wait; the goroutines it readied (claimed) go to `out`, their number returned.
  int poll(int timeout_ms, std::array<Fiber*, 256>& out);
  void drain_break();

  Scheduler* sched_;
  int epfd_ = -1;
  int breakfd_ = -1;
  std::atomic<std::int64_t> waiters_{0};
  std::atomic<Worker*> blocker_{nullptr};
  std::atomic<bool> break_pending_{false};

  std::mutex descs_mu_;  // guards descs_ and free_
  std::vector<std::unique_ptr<PollDesc>> descs_;
  PollDesc* free_ = nullptr;
};

}  // namespace conc::rt::detail
