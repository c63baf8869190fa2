// The primitives' side of the scheduler (sched.h): begin_wait / park / claim_wake / ready,
// and the goroutine-facing calls yield(), goroutine_id(), worker_index().
#include <exception>
#include <mutex>

#if defined(CONC_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

#include "runtime/panic.h"
#include "runtime/sched.h"
#include "runtime/wait.h"

namespace conc::rt::detail {

// --- the primitives' side ------------------------------------------------------------------

std::uint64_t begin_wait(Fiber* g) {
  const std::uint64_t seq = ++g->park_seq;
  g->wait_token.store(seq << 2, std::memory_order_relaxed);
  g->fired = nullptr;
  return seq;
}

bool claim_wake(Fiber* g, std::uint64_t seq) {
  std::uint64_t expected = seq << 2;
  return g->wait_token.compare_exchange_strong(expected, expected | 1, std::memory_order_acq_rel);
}

Wake park(WaitReason reason, const ObjectInfo* object, void (*unlock)(void*), void* arg,
          Cleanup cleanup) {
  return park_on(current_worker(), reason, object, unlock, arg, cleanup);
}

Wake park_on(Worker* w, WaitReason reason, const ObjectInfo* object, void (*unlock)(void*),
             void* arg, Cleanup cleanup) {
  Fiber* g = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
  if (g == nullptr) {
    fatal("a blocking operation was called outside a goroutine");
  }
  Scheduler* s = w->sched;
  g->wait_reason = reason;
  g->wait_object = object;
  g->cleanup_fn = cleanup.fn;
  g->cleanup_arg = cleanup.arg;
  if (const Ending ending = s->ending(); ending != Ending::none) {
    // The program is ending: do not wait for the object. Nobody can have claimed us yet
    // (wakers need the lock we still hold); claim ourselves, leave the queue, then stop or
    // unwind.
    std::uint64_t token = g->park_seq << 2;
    g->wait_token.compare_exchange_strong(token, token | 3);
    if (unlock != nullptr) {
      unlock(arg);
    }
    if (cleanup.fn != nullptr) {
      cleanup.fn(cleanup.arg);
    }
    if (ending == Ending::abandon) {
      s->exit_abandoned(w, g);
    }
    if (s->unwind_started.load()) {
      return Wake::cancelled;
    }
    // A panic ended the program while others still run: stop here, claimed and in no queue,
    // until every worker is idle and the goroutines are unwound one at a time (sched.h).
    unlock = nullptr;
  }
  if (s->config.trace) [[unlikely]] {
    s->trace(w, EventKind::block, g->id);
  }
  Fiber* next = s->pick_local(w);
  w->after = AfterSwitch::parked;
  w->after_fiber = g;
  w->after_unlock = unlock;
  w->after_arg = arg;
  s->switch_to(w, g, next);
  return (g->wait_token.load(std::memory_order_acquire) & 3) == 3 ? Wake::cancelled : Wake::normal;
}

void leave_queue(void* arg) {
  auto* e = static_cast<LeaveQueue*>(arg);
  e->lock->lock();
  e->queue->remove(e->waiter);
  e->lock->unlock();
}

void ready(Fiber* g) {
  g->sched->ready(g, current_worker());
}

void throw_cancelled() {
  if (std::uncaught_exceptions() > 0) {
    // Blocked again while unwinding: a destructor (an RAII guard that sends, locks, waits...)
    // of a goroutine the program's end is unwinding, or that was already unwinding an
    // exception when it blocked. Throwing out of a destructor during unwinding is
    // std::terminate; waiting would hang (nothing can wake it any more). The goroutine is
    // abandoned instead: it never runs again and the rest of its frames are not unwound.
    Worker* w = current_worker();
    w->sched->abandon_unwinding(w, w->current.load(std::memory_order_relaxed));
  }
#if defined(CONC_ASAN)
  // An abandoned goroutine never finishes unwinding this exception, so its object is never
  // freed: LeakSanitizer would report every such abandonment. (Cancelled objects are
  // otherwise always caught and freed by fiber_entry.)
  __lsan::ScopedDisabler not_a_leak;
#endif
  throw Cancelled{};
}

}  // namespace conc::rt::detail

namespace conc::rt {

void yield() {
  using namespace detail;
  Worker* w = current_worker();
  Fiber* g = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
  if (g == nullptr) {
    fatal("yield() called outside a goroutine");
  }
  if (const Ending ending = w->sched->ending(); ending != Ending::none) {
    if (ending == Ending::abandon) {
      w->sched->exit_abandoned(w, g);
    }
    if (!w->sched->unwind_started.load()) {
      begin_wait(g);  // a panic: stop here until it is this goroutine's turn to unwind
      park_on(w, WaitReason::none, nullptr, nullptr, nullptr);
    }
    throw_cancelled();
  }
  Fiber* next = w->sched->pick_local(w);
  if (next == nullptr) {
    check_stack(g);  // what the switch would have checked: a loop of yields must not hide it
    return;          // nothing else to run here
  }
  w->after = AfterSwitch::yielded;
  w->after_fiber = g;
  w->sched->switch_to(w, g, next);
}

bool in_goroutine() {
  return detail::current_fiber() != nullptr;
}

std::uint64_t goroutine_id() {
  detail::Fiber* g = detail::current_fiber();
  return g == nullptr ? 0 : g->id;
}

std::size_t stalls_reported() {
  detail::Fiber* g = detail::current_fiber_checked("stalls_reported()");
  std::lock_guard lock(g->sched->result_mu);
  return g->sched->stalls.size();
}

std::uint64_t workers_ran_on() {
  detail::Fiber* g = detail::current_fiber();
  return g == nullptr ? 0 : g->ran_on_mask.load(std::memory_order_relaxed);
}

int worker_index() {
  detail::Worker* w = detail::current_worker();
  return w == nullptr ? -1 : w->index;
}

}  // namespace conc::rt
