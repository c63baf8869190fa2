// Compact goroutines: their fibers, and the copy-out / release / copy-back of parked stacks.
// The design, the residency protocol and what must live off the stack: compact.h.
//
// Invariants:
//   - a compact fiber's stack is touched by at most one party at a time: the goroutine (or
//     the worker switching to it) while resident, a compactor while compacting, nobody while
//     compacted; parked is the hand-over state (both sides CAS out of it);
//   - `saved` is non-null exactly while compacted, and compacted_ counts those fibers;
//   - a fiber is in at most one worker's compact_pending list, exactly while `queued` is set;
//     list entries may be stale (the goroutine ran again, or died and was reused): a batch
//     acts only on a successful parked -> compacting CAS. Compact fibers are never deleted
//     before finish(), so a stale entry always points to a live Fiber.
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "runtime/compact.h"
#include "runtime/sanitizer.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

namespace {

constexpr std::size_t kCompactFiberBatch = 32;  // fibers made (stacks taken) at once

std::atomic<std::int64_t> compacted_{0};

std::size_t frames_bytes(const Fiber* g) {
  return static_cast<std::size_t>(compact_frames_top(g->stack) - g->stack.lo);
}

// Copies the frames of a parked goroutine out. False: no memory for the copy (the stack then
// simply stays in place).
bool copy_out(Fiber* g) {
  CompactState& c = *g->compact;
  // The saved stack pointer is an integer in the context: casting it back is the point.
  auto* sp = reinterpret_cast<std::byte*>(context_stack_pointer(g->ctx));  // NOLINT
  std::byte* top = compact_frames_top(g->stack);
  if (sp < g->stack.lo || sp > top) {
    fatal_stack_overflow(g->id, "its stack pointer is outside its stack");
  }
  const auto n = static_cast<std::size_t>(top - sp);
  auto* buf = static_cast<std::byte*>(std::malloc(n == 0 ? 1 : n));
  if (buf == nullptr) {
    return false;
  }
  asan_unpoison(sp, n);  // the frames' redzones: the copy reads them too
  std::memcpy(buf, sp, n);
  asan_poison(g->stack.lo, frames_bytes(g));
  c.saved = buf;
  c.saved_from = sp;
  c.saved_bytes = n;
  return true;
}

// Takes the stack back from whoever may hold it: waits out a batch that is copying it
// (another worker, a few microseconds) and moves it to resident. Returns what it was.
Residency take_back(CompactState& c) {
  Residency r = c.residency.load(std::memory_order_acquire);
  for (;;) {
    if (r == Residency::resident) {
      return r;
    }
    if (r == Residency::compacting) {
      cpu_relax();
      r = c.residency.load(std::memory_order_acquire);
      continue;
    }
    if (c.residency.compare_exchange_weak(r, Residency::resident, std::memory_order_acq_rel)) {
      return r;
    }
  }
}

// Drops the saved frames of a goroutine that will never run again (it exited, or the program
// abandoned it: a stale batch entry elsewhere may still try to compact it meanwhile).
void drop_saved(Fiber* g) {
  CompactState& c = *g->compact;
  if (take_back(c) == Residency::compacted) {
    std::free(c.saved);
    c.saved = nullptr;
    asan_unpoison(g->stack.lo, frames_bytes(g));
    compacted_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace

// Acquire, paired with the release in compact_pending: whoever sees a goroutine counted as
// compacted also sees everything its worker did before counting it, among them releasing the
// lock of the object it parked on (a test that waits for the count and then destroys that
// object relies on it).
std::int64_t compacted_stack_count() {
  return compacted_.load(std::memory_order_acquire);
}

// --- fibers --------------------------------------------------------------------------------

Fiber* Scheduler::new_compact_fiber(Worker* w) {
  if (w->free_compact.empty()) {
    std::lock_guard lock(fibers_mu_);
    w->free_compact.take_from(shared_free_compact_, kCompactFiberBatch);
    if (w->free_compact.empty()) {
      StackSpan spans[kCompactFiberBatch];
      acquire_stacks(config.stack_size, spans, kCompactFiberBatch);
      for (const StackSpan& s : spans) {
        auto* block = new CompactFiber;
        Fiber* g = &block->fiber;
        g->stack = s;
        g->sched = this;
        g->compact = &block->state;
        all_fibers_.push_back(g);
        w->free_compact.push(g);
      }
    }
  }
  Fiber* g = w->free_compact.pop();
  stack_repopulated(g->stack);  // released when it was last abandoned: fix the canary above
  asan_unpoison(g->stack.lo, frames_bytes(g));
  return g;
}

void* Scheduler::place_compact_closure(Fiber* g, const TaskOps* ops, void* fn) {
  CompactState& c = *g->compact;
  void* task = c.closure;
  if (ops->size > kCompactClosureBytes || ops->align > 16) {
    c.heap_closure_align = std::max<std::size_t>(ops->align, 16);
    c.heap_closure = ::operator new(ops->size, std::align_val_t(c.heap_closure_align));
    task = c.heap_closure;
  }
  ops->move_to(task, fn);
  return task;
}

// free_fiber's part for a compact goroutine (its closure is already destroyed).
void Scheduler::recycle_compact_fiber(Worker* w, Fiber* g) {
  CompactState& c = *g->compact;
  drop_saved(g);
  if (c.heap_closure != nullptr) {
    ::operator delete(c.heap_closure, std::align_val_t(c.heap_closure_align));
    c.heap_closure = nullptr;
  }
  w->free_compact.push(g);
  if (w->free_compact.count > 4 * kCompactFiberBatch) {
    std::lock_guard lock(fibers_mu_);
    shared_free_compact_.take_from(w->free_compact, w->free_compact.count - 2 * kCompactFiberBatch);
  }
}

// finish(): the program is over; the stack goes back to the pool with the others.
void Scheduler::destroy_compact_fiber(Fiber* g) {
  drop_saved(g);
  if (g->compact->heap_closure != nullptr) {
    ::operator delete(g->compact->heap_closure, std::align_val_t(g->compact->heap_closure_align));
  }
  delete compact_block(g);
}

// --- parking, compacting, resuming ---------------------------------------------------------

// The after-switch hook of a compact goroutine that parked (run_after_switch's parked case,
// out of line so that the ordinary case stays small): offer its stack for compaction before
// the object's lock is released (from then on it may be woken and run again), release the
// lock, and run a batch if enough have parked here.
void Scheduler::after_park_compact(Worker* w, Fiber* g) {
  CompactState& c = *g->compact;
  c.residency.store(Residency::parked);  // seq_cst with `queued`: see compact_pending
  if (!c.queued.exchange(true)) {
    w->compact_pending.push_back(g);
  }
  if (w->after_unlock != nullptr) {
    w->after_unlock(w->after_arg);
  }
  if (w->compact_pending.size() >= config.compact_batch) {
    compact_pending(w);  // g itself may be woken already: the batch checks
  }
}

// One batch: copy out every goroutine listed here that is still parked, then release their
// pages, neighbours together.
void Scheduler::compact_pending(Worker* w) {
  std::vector<Fiber*>& taken = w->compact_taken;
  for (Fiber* g : w->compact_pending) {
    CompactState& c = *g->compact;
    // Unlist first: if it is running again, its next park lists it anew (seq_cst orders this
    // store and the CAS below against that park's residency store and exchange).
    c.queued.store(false);
    Residency expected = Residency::parked;
    if (!c.residency.compare_exchange_strong(expected, Residency::compacting)) {
      continue;  // resident (woken, running) or already compacted by an earlier batch
    }
    if (copy_out(g)) {
      taken.push_back(g);
    } else {
      c.residency.store(Residency::parked, std::memory_order_release);
    }
  }
  w->compact_pending.clear();
  if (taken.empty()) {
    return;
  }
  std::sort(taken.begin(), taken.end(),
            [](Fiber* a, Fiber* b) { return a->stack.lo < b->stack.lo; });
  for (Fiber* g : taken) {
    w->compact_spans.push_back(g->stack);
  }
  release_stack_pages(w->compact_spans.data(), w->compact_spans.size());
  compacted_.fetch_add(static_cast<std::int64_t>(taken.size()), std::memory_order_release);
  for (Fiber* g : taken) {
    g->compact->residency.store(Residency::compacted, std::memory_order_release);
  }
  w->n_compactions.store(w->n_compactions.load(std::memory_order_relaxed) + taken.size(),
                         std::memory_order_relaxed);
  taken.clear();
  w->compact_spans.clear();
}

// switch_to, before running g: its frames must be in place. Usually they are (resident) or
// were never copied (parked); after a compaction, copy them back.
void Scheduler::make_resident(Worker* w, Fiber* g) {
  CompactState& c = *g->compact;
  if (take_back(c) != Residency::compacted) {
    return;  // resident, or parked and never copied: nothing to do
  }
  asan_unpoison(g->stack.lo, frames_bytes(g));
  std::memcpy(c.saved_from, c.saved, c.saved_bytes);  // faults the released pages back in
  stack_repopulated(g->stack);
  std::free(c.saved);
  c.saved = nullptr;
  compacted_.fetch_sub(1, std::memory_order_relaxed);
  w->n_restores.store(w->n_restores.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace conc::rt::detail
