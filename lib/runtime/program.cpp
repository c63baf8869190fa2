// A program's life: run() builds a scheduler, spawns main as goroutine 1, turns the calling
// thread into worker 0, and returns once every goroutine is gone; then panics and how a program
// ends (shutdown, abandoning, unwinding). Spawning a goroutine, its entry point and exit, and
// the fibers' free lists: spawn.cpp.
//
// Invariants:
//   - live_ counts goroutines spawned and not yet freed (spawn.cpp); run() returns only at
//     live_ == 0;
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

constexpr std::size_t kMinStack = std::size_t{16} * 1024;

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
    w->trace.push_back(TraceEvent{now_ns() - start_ns_, k, w->index, g, other});
  }
}

RunResult Scheduler::run(std::function<void()> main_fn) {
  if (current_worker() != nullptr) {
    fatal("rt::run() called from inside a goroutine");
  }
  start_ns_ = now_ns();
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
  spans.reserve(all_fibers_.size());
  std::int64_t leaked = 0;
  for (Fiber* g : all_fibers_) {
    leaked += g->state.load() != FiberState::idle ? 1 : 0;
    spans.push_back(g->stack);
    if (g->compact != nullptr) {
      destroy_compact_fiber(g);
    } else {
      g->~Fiber();
    }
  }
  leaked_goroutines.fetch_add(leaked + live_.load());
  release_stacks(spans.data(), spans.size());
  std::lock_guard lock(result_mu);
  for (auto& w : workers) {
    result_.workers.push_back(WorkerStats{w->n_run.load(), w->n_switches.load(), w->n_steals.load(),
                                          w->n_parks.load(), w->n_compactions.load(),
                                          w->n_restores.load()});
    result_.trace.insert(result_.trace.end(), w->trace.begin(), w->trace.end());
  }
  std::stable_sort(result_.trace.begin(), result_.trace.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.ns < b.ns; });
  result_.races = race_finish(this);
  if (lock_checker != nullptr) {
    result_.lock_order = lock_checker->take_warnings();
    lock_checker.reset();
    checks_active.fetch_sub(1);
  }
  result_.goroutines_spawned = next_id_.load() - 1;
  result_.abandoned = abandoned_.load();
  result_.stalls = stalls;
  return std::move(result_);
}

void Scheduler::record_panic(Fiber* g, const std::string& message) {
  {
    std::lock_guard lock(result_mu);
    if (result_.outcome == Outcome::completed && !shutting_down()) {
      result_.outcome = Outcome::panic;
      result_.panicking_goroutine = g->id;
      result_.panic_message = message;
      std::ostringstream report;  // (not string +: GCC 12 warns falsely on it at -O3)
      report << "panic: " << message << "\n\ngoroutine " << g->id << " [running]:\n\tcreated at "
             << g->spawn_file;
      if (g->spawn_line != 0) {
        report << ":" << g->spawn_line;
      }
      report << "\n";
      result_.report = report.str();
    }
  }
  // As in Go, a panic ends every goroutine; unlike Go, they are unwound (destructors run),
  // as after a deadlock, once they have all stopped.
  begin_shutdown(Ending::unwind);
}

void Scheduler::record_goexit_deadlock() {
  {
    std::lock_guard lock(result_mu);
    if (result_.outcome == Outcome::completed) {
      result_.outcome = Outcome::deadlock;
      result_.report = "no goroutines (main called runtime.Goexit) - deadlock!\n";
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
    std::lock_guard lock(fibers_mu_);
    for (Fiber* g : all_fibers_) {
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
    abandoned_.fetch_add(1, std::memory_order_relaxed);
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
    result_.report += note.str();
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
  std::lock_guard lock(fibers_mu_);
  for (Fiber* g : all_fibers_) {
    if (g->state.load() != FiberState::waiting) {
      continue;
    }
    std::uint64_t token = g->wait_token.load();
    if ((token & 3) == 0 && g->wait_token.compare_exchange_strong(token, token | 3)) {
      if (g->cleanup_fn != nullptr) {
        g->cleanup_fn(g->cleanup_arg);
      }
      unwind_order_.push_back(g);
    } else if ((token & 3) == 3) {
      unwind_order_.push_back(g);  // stopped after a panic (park_on): already out of every queue
    }
  }
  std::sort(unwind_order_.begin(), unwind_order_.end(),
            [](Fiber* a, Fiber* b) { return a->id > b->id; });
  if (unwind_order_.empty()) {
    return false;
  }
  unwind_next_index_ = 1;
  ready(unwind_order_[0], current_worker());
  return true;
}

void Scheduler::unwind_next(Worker* w) {
  Fiber* g = nullptr;
  {
    std::lock_guard lock(fibers_mu_);
    if (unwind_next_index_ < unwind_order_.size()) {
      g = unwind_order_[unwind_next_index_++];
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
