// Spawning a goroutine (go), its entry point and its exit, and the fibers' free lists they
// take from and return to. How a whole program starts and ends: program.cpp.
//
// Invariants:
//   - live_ counts goroutines spawned and not yet freed: launch() raises it, free_fiber()
//     lowers it, and the one that brings it to 0 on an ending program stops the workers;
//   - every fiber this run took from the stack pool is in all_fibers_ and is, at any time,
//     either idle in exactly one FreeFibers list (a worker's or a shared one) or in use;
//   - a goroutine is queued only once it is fully set up (launch() queues it last), and never
//     once the program is ending (spawn() returns null).

#include <algorithm>
#include <atomic>
#include <exception>

#include "runtime/compact.h"
#include "runtime/hooks.h"
#include "runtime/panic.h"
#include "runtime/sanitizer.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

namespace {

constexpr std::size_t kFiberBatch = 32;
constexpr std::uint32_t kSpawnBackpressure = RunQueue::kCapacity / 2;
// Stack left for frames under the closure.
constexpr std::size_t kMinFrames = std::size_t{8} * 1024;

void fiber_entry(void* arg) {
  auto* g = static_cast<Fiber*>(arg);
  asan_finish_switch(nullptr);
  Worker* w = current_worker();
  w->sched->run_after_switch(w);
  Scheduler* s = g->sched;
  g->started = true;
  bool goexited = false;
  if (!s->shutting_down()) {  // goroutines never started when the program ends never run
    try {
      g->task_ops->invoke(g->task);
    } catch (const Cancelled&) {
    } catch (const Goexit&) {
      goexited = true;
    } catch (const std::exception& e) {
      s->record_panic(g, e.what());
    } catch (...) {
      s->record_panic(g, "a non-std::exception was thrown");
    }
  }
  g->task_ops->destroy(g->task);
  g->task = nullptr;
  if (g->race != nullptr) [[unlikely]] {
    race_exited(g);
  }
  if (g->id == 1 && goexited) {
    s->main_goexited.store(true, std::memory_order_release);  // Go: the others go on
  } else if (g->id == 1) {
    s->begin_shutdown(Ending::abandon);  // main returned: the program ends, as in Go
  }
  s->exit_current(current_worker(), g);
}

// Moves the closure to the top of g's stack, just under the Fiber; the frames start below it.
[[gnu::always_inline]] inline std::uintptr_t place_closure(Fiber* g, const TaskOps* ops, void* fn) {
  const std::size_t align = std::max<std::size_t>(ops->align, 16);
  const auto task = (reinterpret_cast<std::uintptr_t>(g) - ops->size) & ~(align - 1);
  if (task < reinterpret_cast<std::uintptr_t>(g->stack.lo) + kMinFrames) {
    fatal("go(): the closure does not fit on a goroutine stack (capture less, or by pointer)");
  }
  // The closure's place is computed (aligned) as an integer: the casts back are the point.
  ops->move_to(reinterpret_cast<void*>(task), fn);  // NOLINT(performance-no-int-to-ptr)
  g->task = reinterpret_cast<void*>(task);          // NOLINT(performance-no-int-to-ptr)
  return task;
}

}  // namespace

Fiber* Scheduler::spawn(const TaskOps* ops, void* fn, const char* file, std::uint32_t line,
                        Worker* w) {
  if (shutting_down()) {
    return nullptr;  // the program is ending: a new goroutine would never run
  }
  Fiber* g = new_fiber(w);
  launch(g, ops, place_closure(g, ops, fn), file, line, w);
  return g;
}

// A compact goroutine (compact.h): Fiber and closure on the heap, frames from its stack's top.
Fiber* Scheduler::spawn_compact(const TaskOps* ops, void* fn, const char* file, std::uint32_t line,
                                Worker* w) {
  if (shutting_down()) {
    return nullptr;
  }
  Fiber* g = new_compact_fiber(w);
  g->task = place_compact_closure(g, ops, fn);
  launch(g, ops, reinterpret_cast<std::uintptr_t>(compact_frames_top(g->stack)), file, line, w);
  return g;
}

// The rest of a spawn, once the closure is in place: the frames grow down from frames_top.
[[gnu::always_inline]] inline void Scheduler::launch(Fiber* g, const TaskOps* ops,
                                                     std::uintptr_t frames_top, const char* file,
                                                     std::uint32_t line, Worker* w) {
  g->task_ops = ops;
  context_init(&g->ctx, g->stack.lo, frames_top - reinterpret_cast<std::uintptr_t>(g->stack.lo),
               &fiber_entry, g);
  g->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  g->spawn_file = file;
  g->spawn_line = line;
  g->started = false;
  g->wait_reason = WaitReason::none;
  g->wait_object = nullptr;
  g->ran_on_mask.store(0, std::memory_order_relaxed);
  g->eh = EhState{};
  g->case_pins = CasePins{};  // an abandoned goroutine may have left cases pinned
  g->asan_fake_stack = nullptr;
  g->tsan_fiber = tsan_create_fiber();
  g->race = nullptr;
  if (checks_on() && w != nullptr) [[unlikely]] {
    race_spawned(w->current.load(std::memory_order_relaxed), g);  // before anyone can run g
  }
  live_.fetch_add(1, std::memory_order_relaxed);
  if (w == nullptr) {
    push_global(g);  // spawn_from_outside
    return;
  }
  if (config.trace) [[unlikely]] {
    trace(w, EventKind::spawn, g->id);
  }
  push_local(w, g);
}

// live_ is raised first, so that a program ending meanwhile either is seen here or cannot
// finish (live_ > 0) before the new goroutine is queued, where a worker finds and discards it.
bool Scheduler::spawn_from_outside(const TaskOps* ops, void* fn, const char* file,
                                   std::uint32_t line) {
  live_.fetch_add(1);
  Fiber* g = nullptr;
  if (!shutting_down()) {
    std::lock_guard lock(fibers_mu_);
    if (shared_free_.empty()) {
      StackSpan spans[kFiberBatch];
      acquire_stacks(config.stack_size, spans, kFiberBatch);
      for (const StackSpan& s : spans) {
        Fiber* f = ::new (fiber_at_top(s)) Fiber;
        f->stack = s;
        f->sched = this;
        all_fibers_.push_back(f);
        shared_free_.push(f);
      }
    }
    g = shared_free_.pop();
  }
  if (g != nullptr) {
    asan_unpoison(g->stack.lo,
                  static_cast<std::size_t>(reinterpret_cast<std::byte*>(g) - g->stack.lo));
    launch(g, ops, place_closure(g, ops, fn), file, line, nullptr);
  }
  if (live_.fetch_sub(1) == 1 && shutting_down()) {
    stopping_.store(true, std::memory_order_release);
    wake_all();
  }
  return g != nullptr;
}

Fiber* Scheduler::new_fiber(Worker* w) {
  if (w->free_fibers.empty()) {
    std::lock_guard lock(fibers_mu_);
    w->free_fibers.take_from(shared_free_, kFiberBatch);
    if (w->free_fibers.empty()) {
      StackSpan spans[kFiberBatch];
      acquire_stacks(config.stack_size, spans, kFiberBatch);
      for (const StackSpan& s : spans) {
        Fiber* g = ::new (fiber_at_top(s)) Fiber;
        g->stack = s;
        g->sched = this;
        all_fibers_.push_back(g);
        w->free_fibers.push(g);
      }
    }
  }
  Fiber* g = w->free_fibers.pop();
  asan_unpoison(g->stack.lo,
                static_cast<std::size_t>(reinterpret_cast<std::byte*>(g) - g->stack.lo));
  return g;
}

void Scheduler::free_fiber(Worker* w, Fiber* g) {
  if (g->task != nullptr) {
    // Stopped or discarded when the program ended: its frames are abandoned, but the closure
    // is the runtime's to release (what it captured by value is freed).
    g->task_ops->destroy(g->task);
    g->task = nullptr;
  }
  tsan_destroy_fiber(g->tsan_fiber);
  g->tsan_fiber = nullptr;
  g->state.store(FiberState::idle, std::memory_order_relaxed);
  if (g->compact != nullptr) [[unlikely]] {
    recycle_compact_fiber(w, g);
  } else {
    w->free_fibers.push(g);
    if (w->free_fibers.count > 4 * kFiberBatch) {
      std::lock_guard lock(fibers_mu_);
      shared_free_.take_from(w->free_fibers, w->free_fibers.count - 2 * kFiberBatch);
    }
  }
  const bool last = live_.fetch_sub(1, std::memory_order_acq_rel) == 1;
  if (last && !shutting_down() && main_goexited.load(std::memory_order_acquire)) [[unlikely]] {
    record_goexit_deadlock();  // Go's checkdead: no goroutine left, and main never returned
  }
  if (last && shutting_down()) {
    stopping_.store(true, std::memory_order_release);
    wake_all();
  } else if (ending() == Ending::unwind) {
    unwind_next(w);
  }
}

void Scheduler::exit_current(Worker* w, Fiber* g) {
  g->state.store(FiberState::dead, std::memory_order_relaxed);
  if (config.trace) [[unlikely]] {
    trace(w, EventKind::exit, g->id);
  }
  Fiber* next = pick_local(w);
  w->after = AfterSwitch::exited;
  w->after_fiber = g;
  switch_to(w, g, next);
  fatal("a dead goroutine was resumed");
}

}  // namespace conc::rt::detail

namespace conc::rt {

void detail::spawn_compact(const TaskOps* ops, void* fn, SourceLocation where) {
  Worker* w = current_worker();
  if (w == nullptr || w->current.load(std::memory_order_relaxed) == nullptr) {
    fatal("go() called outside a goroutine (start the program with rt::run)");
  }
  w->sched->spawn_compact(ops, fn, where.file_name(), where.line(), w);
  if (w->runq.size() >= kSpawnBackpressure) {
    yield();  // as below
  }
}

void detail::spawn(const TaskOps* ops, void* fn, SourceLocation where) {
  Worker* w = current_worker();
  if (w == nullptr || w->current.load(std::memory_order_relaxed) == nullptr) {
    fatal("go() called outside a goroutine (start the program with rt::run)");
  }
  Scheduler* s = w->sched;
  s->spawn(ops, fn, where.file_name(), where.line(), w);  // null: the program ends
  // Spawn backpressure: a goroutine that spawns faster than its worker runs them lets the
  // queued ones run once the ring is half full. They then exit onto warm stacks that the next
  // spawns reuse, instead of every spawn touching a fresh stack page (a page fault, then cache
  // and TLB misses, at 100,000 goroutines). Go instead spills to its global queue; a yield
  // here is invisible to Go semantics, where any point may be a scheduling point.
  if (w->runq.size() >= kSpawnBackpressure) {
    yield();
  }
}

}  // namespace conc::rt
