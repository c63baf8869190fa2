#pragma once
// A goroutine's control block (Go's g). It lives at the top of the goroutine's own stack, just
// under the canary of the stack above, with the goroutine's closure right below it: spawning
// allocates nothing, and a parked goroutine costs the pages its stack touched and nothing else.
//
// A compact goroutine (SpawnOptions::compact_when_parked) is laid out differently, because its
// stack may be copied out and its pages released while it is parked: the Fiber, its closure
// and everything a waker or the scheduler writes while it is parked (its waiter, the value it
// sends or receives, its cleanup record) live off the stack, in one heap block (compact.h:
// CompactFiber), and its frames start at the very top of its stack. `compact` points into
// that block; it is null for every other goroutine, whose layout is unchanged.
//
// States, which queue holds the fiber in each, and who owns its stack:
//
//   idle      in a free list (a worker's cache or the scheduler's); no goroutine; the
//             scheduler owns the memory. -> runnable by spawn().
//   runnable  in exactly one run queue: a worker's runnext slot, its local ring, or the global
//             queue; the stack holds a saved Context and nobody executes on it.
//             -> running when a worker switches to it.
//   running   on exactly one worker (Worker::current); that worker's thread executes on the
//             stack. -> runnable (yield), waiting (park), dead (return).
//   waiting   in the wait queue of the object it blocks on (a channel, mutex... or the timer
//             heap), reachable only through that object's lock; set only after its Context is
//             saved (in the after-switch hook). -> runnable by whoever claims its wait token
//             and calls ready(); -> dead when the program ends (sched.h, "How a program ends").
//   dead      finished; its worker has switched away and the after-switch hook returns the
//             fiber to a free list (-> idle).

#include <atomic>
#include <cstdint>

#include "runtime/context.h"
#include "runtime/object_info.h"
#include "runtime/runtime.h"
#include "runtime/stack.h"
#include "runtime/wait.h"

namespace conc::rt::detail {

enum class FiberState : std::uint8_t { idle, runnable, running, waiting, dead };

// Go's waitReason strings (Go 1.24's), used verbatim in the deadlock report. A select whose
// channels are all nil waits as [select]; only one with no cases, Go's `select {}`, as
// [select (no cases)].
enum class WaitReason : std::uint8_t {
  none,
  chan_send,
  chan_recv,
  chan_send_nil,
  chan_recv_nil,
  select,
  select_no_cases,
  sleep,
  io_wait,  // a PollFd read or write (netpoll.h)
  mutex_lock,
  rwmutex_rlock,
  rwmutex_lock,
  cond_wait,
  waitgroup_wait,
};
const char* wait_reason_text(WaitReason r);

class Scheduler;
struct Waiter;
struct CompactState;
struct RaceSlot;

// The state of C++ exception handling that libstdc++ keeps per thread (__cxa_eh_globals): the
// stack of exceptions being handled and the uncaught count. It belongs to the goroutine, not
// the thread, so it is swapped at every switch.
struct EhState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

struct Fiber {
  Context ctx{};
  StackSpan stack;
  Scheduler* sched = nullptr;
  CompactState* compact = nullptr;  // compact goroutines only (see above); fixed for life
  std::uint64_t id = 0;
  std::atomic<FiberState> state{FiberState::idle};
  Fiber* next = nullptr;  // run-queue / free-list link (the owner of that list guards it)

  // Waking protocol. park() numbers each wait (park_seq, never reset, even when the fiber is
  // reused); wait_token holds seq << 2 while waiting, | 1 once a waker claimed the wake, | 3
  // once the scheduler cancelled it. Where two claimers can race (the waiters of one select,
  // a timer against the end-of-program sweep) they CAS from seq << 2, so exactly one wins and
  // a stale claimer (old seq) loses; an ordinary waiter has a single possible waker (whoever
  // unlinks it under the object's lock), which just stores the claim (WaitQueue::pop_claimed).
  std::uint64_t park_seq = 0;
  std::atomic<std::uint64_t> wait_token{0};
  Waiter* fired = nullptr;  // the waiter its waker completed (select: which case)

  WaitReason wait_reason = WaitReason::none;
  const ObjectInfo* wait_object = nullptr;
  const ObjectInfo* const* wait_objects = nullptr;  // select: every channel it waits on
  int n_wait_objects = 0;
  void (*cleanup_fn)(void*) = nullptr;  // takes its waiter(s) out of queues (see sched.h)
  void* cleanup_arg = nullptr;

  const TaskOps* task_ops = nullptr;
  void* task = nullptr;  // the closure, on this stack just under the Fiber
  const char* spawn_file = "";
  std::uint32_t spawn_line = 0;
  bool started = false;
  RaceSlot* race = nullptr;  // its clock, once its run detects races (race.cpp)

  CasePins case_pins;  // select cases alive in this goroutine (chan.h); back to 0 at its end
  std::atomic<std::uint64_t> ran_on_mask{0};  // bit w: ran on worker w (w < 64)
  EhState eh;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

// Where the Fiber and the closure live on a stack.
inline Fiber* fiber_at_top(const StackSpan& s) {
  auto top = reinterpret_cast<std::uintptr_t>(s.hi) - kStackTopReserve;
  top = (top - sizeof(Fiber)) & ~std::uintptr_t{63};
  return reinterpret_cast<Fiber*>(top);  // NOLINT(performance-no-int-to-ptr): aligned in integers
}

}  // namespace conc::rt::detail
