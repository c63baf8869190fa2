// A program's life: run() builds a scheduler, spawns main as goroutine 1, turns the calling
// thread into worker 0, and returns once every goroutine is gone. Also spawning (go), the
// fibers' free lists, the goroutine entry point and exit, panics and shutdown.
//
// Invariants:
//   - live counts goroutines spawned and not yet freed; run() returns only at live == 0;
//   - every fiber this run took from the stack pool is in all_fibers and is, at any time,
//     either idle in exactly one FreeFibers list (a worker's or a shared one) or in use;
//   - once the program is ending (ending_ != none) it stays so, and no goroutine waits on an
//     object again: abandon reclaims the parked ones and stops the others at their next park
//     or yield; unwind stops them there too (parked, claimed, in no queue) until the sweep,
//     then resumes every parked one, one at a time,, newest first (sched.h);
//   - the first panic or deadlock decides the outcome; later ones do not overwrite it.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>

#include "runtime/compact.h"
#include "runtime/hooks.h"
#include "runtime/lockcheck.h"
#include "runtime/netpoller.h"
#include "runtime/panic.h"
#include "runtime/sanitizer.h"
#include "runtime/sched.h"
#include "runtime/timer.h"

namespace conc::rt::detail {

namespace {

constexpr std::size_t kFiberBatch = 32;
constexpr std::uint32_t kSpawnBackpressure = RunQueue::kCapacity / 2;
constexpr std::size_t kMinStack = 16 * 1024;
constexpr std::size_t kMinFrames = 8 * 1024;  // stack left for frames under the closure

std::atomic<std::int64_t> leaked_goroutines{0};

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) {
    return 1;
  }
  return std::max(1, CPU_COUNT(&set));
}

Config normalized(Config c) {
  if (c.workers <= 0) {
    c.workers = allowed_cpus();
  }
  c.workers = std::min(c.workers, 256);
#if defined(CONC_ASAN)
  c.stack_size = std::max<std::size_t>(c.stack_size, 1024 * 1024);  // ASan frames are larger
#endif
  c.stack_size = std::max(c.stack_size, kMinStack);
  return c;
}

void native_stack(const void** lo, std::size_t* size) {
  pthread_attr_t attr;
  if (::pthread_getattr_np(::pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    ::pthread_attr_getstack(&attr, &addr, size);
    *lo = addr;
    ::pthread_attr_destroy(&attr);
  }
}

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
  ops->move_to(reinterpret_cast<void*>(task), fn);
  g->task = reinterpret_cast<void*>(task);
  return task;
}

using MainFn = std::function<void()>;
constexpr TaskOps kMainOps{
    sizeof(MainFn), alignof(MainFn), [](void* p) { (*static_cast<MainFn*>(p))(); },
    [](void* p) { static_cast<MainFn*>(p)->~MainFn(); },
    [](void* dst, void* src) { ::new (dst) MainFn(std::move(*static_cast<MainFn*>(src))); }};

}  // namespace

Scheduler::Scheduler(const Config& c) : config(normalized(c)) {
  for (int i = 0; i < config.workers; ++i) {
    workers.push_back(std::make_unique<Worker>(this, i));
  }
  timers_ = std::make_unique<Timers>(this);
  netpoller_ = std::make_unique<Netpoller>(this);
  lock_waits = std::make_unique<LockWaits>();
  if (config.check_lock_order) {
    lock_checker = std::make_unique<LockChecker>();
    checks_active.fetch_add(1);
  }
}

Scheduler::~Scheduler() {
  if (lock_checker != nullptr) {  // finish() did not run
    checks_active.fetch_sub(1);
  }
}

std::int64_t Scheduler::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Scheduler::trace(Worker* w, EventKind k, std::uint64_t g, std::uint64_t other) {
  if (w != nullptr && w->sched == this && w->trace.size() < config.trace_capacity) {
    w->trace.push_back(TraceEvent{now_ns() - start_ns, k, w->index, g, other});
  }
}

RunResult Scheduler::run(std::function<void()> main_fn) {
  if (current_worker() != nullptr) {
    fatal("rt::run() called from inside a goroutine");
  }
  start_ns = now_ns();
  for (auto& w : workers) {
    if (config.trace) {
      w->trace.reserve(std::min<std::size_t>(config.trace_capacity, 1 << 16));
    }
  }
  install_overflow_handler();
  spawn(&kMainOps, &main_fn, "main", 0, workers[0].get());
  auto worker_main = [this](Worker* w) {
    set_current_worker(w);
    w->eh_globals = eh_globals();
    AltSignalStack alt;
    w->sched_tsan_fiber = tsan_current_fiber();
    native_stack(&w->native_stack_lo, &w->native_stack_size);
    worker_loop(w);
    set_current_worker(nullptr);
  };
  for (std::size_t i = 1; i < workers.size(); ++i) {
    Worker* w = workers[i].get();
    w->thread = std::thread(worker_main, w);
  }
  timers_->start();
  worker_main(workers[0].get());
  for (std::size_t i = 1; i < workers.size(); ++i) {
    workers[i]->thread.join();
  }
  timers_->stop();
  return finish();
}

RunResult Scheduler::finish() {
  std::vector<StackSpan> spans;
  spans.reserve(all_fibers.size());
  std::int64_t leaked = 0;
  for (Fiber* g : all_fibers) {
    leaked += g->state.load() != FiberState::idle ? 1 : 0;
    spans.push_back(g->stack);
    if (g->compact != nullptr) {
      destroy_compact_fiber(g);
    } else {
      g->~Fiber();
    }
  }
  leaked_goroutines.fetch_add(leaked + live.load());
  release_stacks(spans.data(), spans.size());
  std::lock_guard lock(result_mu);
  for (auto& w : workers) {
    result.workers.push_back(WorkerStats{w->n_run.load(), w->n_switches.load(), w->n_steals.load(),
                                         w->n_parks.load(), w->n_compactions.load(),
                                         w->n_restores.load()});
    result.trace.insert(result.trace.end(), w->trace.begin(), w->trace.end());
  }
  std::stable_sort(result.trace.begin(), result.trace.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.ns < b.ns; });
  result.races = race_finish(this);
  if (lock_checker != nullptr) {
    result.lock_order = lock_checker->take_warnings();
    lock_checker.reset();
    checks_active.fetch_sub(1);
  }
  result.goroutines_spawned = next_id.load() - 1;
  result.abandoned = abandoned.load();
  result.stalls = stalls;
  return std::move(result);
}

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
  g->id = next_id.fetch_add(1, std::memory_order_relaxed);
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
  live.fetch_add(1, std::memory_order_relaxed);
  if (w == nullptr) {
    push_global(g);  // spawn_from_outside
    return;
  }
  if (config.trace) [[unlikely]] {
    trace(w, EventKind::spawn, g->id);
  }
  push_local(w, g);
}

// live is raised first, so that a program ending meanwhile either is seen here or cannot
// finish (live > 0) before the new goroutine is queued, where a worker finds and discards it.
bool Scheduler::spawn_from_outside(const TaskOps* ops, void* fn, const char* file,
                                   std::uint32_t line) {
  live.fetch_add(1);
  Fiber* g = nullptr;
  if (!shutting_down()) {
    std::lock_guard lock(fibers_mu);
    if (shared_free.empty()) {
      StackSpan spans[kFiberBatch];
      acquire_stacks(config.stack_size, spans, kFiberBatch);
      for (const StackSpan& s : spans) {
        Fiber* f = ::new (fiber_at_top(s)) Fiber;
        f->stack = s;
        f->sched = this;
        all_fibers.push_back(f);
        shared_free.push(f);
      }
    }
    g = shared_free.pop();
  }
  if (g != nullptr) {
    asan_unpoison(g->stack.lo,
                  static_cast<std::size_t>(reinterpret_cast<std::byte*>(g) - g->stack.lo));
    launch(g, ops, place_closure(g, ops, fn), file, line, nullptr);
  }
  if (live.fetch_sub(1) == 1 && shutting_down()) {
    stopping.store(true, std::memory_order_release);
    wake_all();
  }
  return g != nullptr;
}

Fiber* Scheduler::new_fiber(Worker* w) {
  if (w->free_fibers.empty()) {
    std::lock_guard lock(fibers_mu);
    w->free_fibers.take_from(shared_free, kFiberBatch);
    if (w->free_fibers.empty()) {
      StackSpan spans[kFiberBatch];
      acquire_stacks(config.stack_size, spans, kFiberBatch);
      for (const StackSpan& s : spans) {
        Fiber* g = ::new (fiber_at_top(s)) Fiber;
        g->stack = s;
        g->sched = this;
        all_fibers.push_back(g);
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
      std::lock_guard lock(fibers_mu);
      shared_free.take_from(w->free_fibers, w->free_fibers.count - 2 * kFiberBatch);
    }
  }
  const bool last = live.fetch_sub(1, std::memory_order_acq_rel) == 1;
  if (last && !shutting_down() && main_goexited.load(std::memory_order_acquire)) [[unlikely]] {
    record_goexit_deadlock();  // Go's checkdead: no goroutine left, and main never returned
  }
  if (last && shutting_down()) {
    stopping.store(true, std::memory_order_release);
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

void Scheduler::record_panic(Fiber* g, const std::string& message) {
  {
    std::lock_guard lock(result_mu);
    if (result.outcome == Outcome::completed && !shutting_down()) {
      result.outcome = Outcome::panic;
      result.panicking_goroutine = g->id;
      result.panic_message = message;
      std::ostringstream report;  // (not string +: GCC 12 warns falsely on it at -O3)
      report << "panic: " << message << "\n\ngoroutine " << g->id << " [running]:\n\tcreated at "
             << g->spawn_file;
      if (g->spawn_line != 0) {
        report << ":" << g->spawn_line;
      }
      report << "\n";
      result.report = report.str();
    }
  }
  // As in Go, a panic ends every goroutine; unlike Go, they are unwound (destructors run),
  // as after a deadlock, once they have all stopped.
  begin_shutdown(Ending::unwind);
}

void Scheduler::record_goexit_deadlock() {
  {
    std::lock_guard lock(result_mu);
    if (result.outcome == Outcome::completed) {
      result.outcome = Outcome::deadlock;
      result.report = "no goroutines (main called runtime.Goexit) - deadlock!\n";
    }
  }
  begin_shutdown(Ending::unwind);  // nothing left to unwind: run() returns
}

void Scheduler::begin_shutdown(Ending how) {
  int expected = static_cast<int>(Ending::none);
  if (!ending_.compare_exchange_strong(expected, static_cast<int>(how))) {
    return;
  }
  // The last worker to go idle reclaims (abandon) or unwinds (unwind) the parked goroutines:
  // sleep() calls sweep_ended(). A deadlock needs no wait: handle_deadlock unwinds at once.
}

// Called by the last worker to go idle once the program is ending: no goroutine runs.
// Returns true if it queued a goroutine on this worker (the first to unwind).
bool Scheduler::sweep_ended() {
  if (ending() == Ending::abandon) {
    abandon_waiting();
    return false;
  }
  return start_unwinding();
}

// Parked goroutines stop where they are: claimed (no waker can ready them any more) and their
// fiber reclaimed without running another instruction. Their waiters may stay linked in
// objects that are already gone (main's locals): nothing touches those objects again.
// Called by the last worker to go idle: no goroutine runs any more (queued ones are discarded),
// so the only possible competing claim is a timer's (a CAS, like ours).
void Scheduler::abandon_waiting() {
  Worker* w = current_worker();
  std::vector<Fiber*> parked;
  {
    std::lock_guard lock(fibers_mu);
    for (Fiber* g : all_fibers) {
      if (g->state.load(std::memory_order_relaxed) == FiberState::waiting) {
        parked.push_back(g);
      }
    }
  }
  for (Fiber* g : parked) {
    abandon_parked(w, g, g->wait_token.load() >> 2);
  }
}

void Scheduler::abandon_parked(Worker* w, Fiber* g, std::uint64_t seq) {
  std::uint64_t token = seq << 2;
  if (g->wait_token.compare_exchange_strong(token, token | 3)) {
    count_abandoned(g);
    g->state.store(FiberState::dead, std::memory_order_relaxed);
    free_fiber(w, g);
  }
}

void Scheduler::exit_abandoned(Worker* w, Fiber* g) {
  count_abandoned(g);
  exit_current(w, g);
}

void Scheduler::count_abandoned(const Fiber* g) {
  if (g->started) {  // one that never ran has no frames to unwind
    abandoned.fetch_add(1, std::memory_order_relaxed);
  }
}

// The goroutine blocked again while it was being unwound (park.cpp: throw_cancelled). Its
// remaining frames are left as they are: they are on its own stack, which goes back to the
// pool, and it holds no waiter in any queue (park_on took it out). Whatever those frames own
// is leaked, and a lock they hold stays locked: the report says so.
void Scheduler::abandon_unwinding(Worker* w, Fiber* g) {
  {
    std::lock_guard lock(result_mu);
    std::ostringstream note;
    note << "\ngoroutine " << g->id << " blocked again while unwinding (in a destructor) ["
         << wait_reason_text(g->wait_reason) << "]; abandoned\n";
    result.report += note.str();
  }
  exit_abandoned(w, g);
}

// Every goroutine is parked and every object alive (a deadlock; or a panic, once the others
// stopped). Take every waiter out of its queues now, then resume the goroutines one by one,
// newest first. Runs once.
bool Scheduler::start_unwinding() {
  if (unwind_started.exchange(true)) {
    return false;
  }
  std::lock_guard lock(fibers_mu);
  for (Fiber* g : all_fibers) {
    if (g->state.load() != FiberState::waiting) {
      continue;
    }
    std::uint64_t token = g->wait_token.load();
    if ((token & 3) == 0 && g->wait_token.compare_exchange_strong(token, token | 3)) {
      if (g->cleanup_fn != nullptr) {
        g->cleanup_fn(g->cleanup_arg);
      }
      unwind_order.push_back(g);
    } else if ((token & 3) == 3) {
      unwind_order.push_back(g);  // stopped after a panic (park_on): already out of every queue
    }
  }
  std::sort(unwind_order.begin(), unwind_order.end(),
            [](Fiber* a, Fiber* b) { return a->id > b->id; });
  if (unwind_order.empty()) {
    return false;
  }
  unwind_next_index = 1;
  ready(unwind_order[0], current_worker());
  return true;
}

void Scheduler::unwind_next(Worker* w) {
  Fiber* g = nullptr;
  {
    std::lock_guard lock(fibers_mu);
    if (unwind_next_index < unwind_order.size()) {
      g = unwind_order[unwind_next_index++];
    }
  }
  if (g != nullptr) {
    ready(g, w);
  }
}

}  // namespace conc::rt::detail

namespace conc::rt {

RunResult run(std::function<void()> main_fn, Config config) {
  detail::Scheduler s(config);
  return s.run(std::move(main_fn));
}

void goexit() {
  detail::current_fiber_checked("goexit()");
  throw detail::Goexit{};
}

RuntimeStats stats() {
  const StackPoolStats p = stack_pool_stats();
  return RuntimeStats{
      detail::leaked_goroutines.load(), p.in_use, p.reserved, p.guarded, p.guard_budget,
      detail::compacted_stack_count()};
}

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

std::uint64_t goroutine_on_stack(const std::byte* top) {
  // The stack that overflowed is, in practice, the one this thread runs on: its goroutine is
  // the worker's current one. That is the only way to find a compact goroutine, whose Fiber
  // is not on its stack. (tls_worker is a constinit pointer, set before the thread ran any
  // goroutine: reading it allocates nothing.)
  if (const detail::Worker* w = detail::tls_worker) {
    const detail::Fiber* g = w->current.load(std::memory_order_relaxed);
    if (g != nullptr && g->stack.hi == top) {
      return g->id;
    }
  }
  const detail::Fiber* g = detail::fiber_at_top(StackSpan{nullptr, const_cast<std::byte*>(top)});
  return g->state.load(std::memory_order_relaxed) == detail::FiberState::idle ? 0 : g->id;
}

RunningGoroutine running_goroutine() {
  RunningGoroutine r;
  if (const detail::Worker* w = detail::tls_worker) {
    if (const detail::Fiber* g = w->current.load(std::memory_order_relaxed)) {
      r.id = g->id;
      r.stack = g->stack;
      r.native_lo = static_cast<const std::byte*>(w->native_stack_lo);
      r.native_size = w->native_stack_size;
    }
  }
  return r;
}

}  // namespace conc::rt
