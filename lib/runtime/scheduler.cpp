// The scheduler: W worker threads running goroutines (Go's G/M/P collapsed into goroutine and
// worker: a worker is an OS thread that owns a run queue). This file: switching, the run
// queues and the worker loop. Elsewhere: stealing.cpp (stealing, sleeping, waking), park.cpp
// (what the primitives call), spawn.cpp (go, a goroutine's entry and exit, free fibers),
// program.cpp (run, panics, how a program ends), timer.cpp (timers and the monitor thread),
// deadlock.cpp. Which Scheduler member lives in which file: the map on top of sched.h.
//
// Design, in six points:
//   1. Run queues. Each worker has a runnext slot (one fiber), a bounded lock-free ring of 256
//      (runq.h) and shares one global queue. A goroutine readied by a running goroutine goes to
//      the readier's runnext: a ping-pong pair, or a producer and its consumer, keep handing
//      the worker to each other with one switch and no other thread involved. New goroutines
//      and yields go to the ring; the global queue takes overflow, goroutines readied by
//      non-worker threads (timers), and is polled every 61st pick for fairness (as Go does).
//      At most 61 runnext picks pass between two turns of the ring: then the ring's head runs
//      and runnext joins the ring's tail (sched.h, kRunnextBudget), so a pair handing the
//      worker back and forth cannot starve the ring.
//   2. Switches. A goroutine that blocks switches directly to the next runnable goroutine of
//      its worker (one switch, not two through a scheduler stack); only when there is none
//      does it switch to the worker's own loop, which steals or sleeps. Whatever must wait
//      until the old goroutine's registers are saved (releasing the lock of the object it
//      waits on, re-queueing a yielder, freeing a dead fiber) is left in Worker::after and run
//      by the context that resumes: that is what makes "publish waiter, then switch" race-free.
//   3. Stealing. A worker without work becomes "spinning" (at most half the busy workers
//      spin) and makes 4 passes over the other workers in random order, taking half of a
//      victim's ring. A victim's runnext, or a lone goroutine in its ring, is taken only if
//      the victim has not switched for a while: on a worker that keeps switching it is a
//      handoff about to happen, and moving it would turn every message into a cross-CPU
//      wake-up. Then the worker sleeps on its own futex word.
//   4. Wake policy. Waking a sleeping worker is a futex syscall plus a kernel wake-up, the
//      cost of tens of goroutine switches (how many depends on the kernel and on
//      virtualisation; `conc-lab bench yield_switch` measures a switch). A sleeper is woken only
//      when (a) a worker has a backlog of at least kWakeBacklog goroutines beyond runnext, (b) no
//      worker is already spinning (it will find the work) and (c) some worker sleeps. A handoff
//      never wakes anyone: its goroutine runs here as soon as this one blocks. The monitor thread
//      (timer.cpp) wakes a sleeper if work sat in a queue for a whole tick (kMonitorTickNs), so
//      nothing waits forever behind a goroutine that never blocks.
//   5. Spawn backpressure. go() yields once its worker's ring is half full, so a goroutine
//      spawning in a loop lets the spawned ones run and exit onto warm stacks that the next
//      spawns reuse (spawn.cpp).
//   6. Cooperative. No preemption: a goroutine keeps its worker until it blocks, yields or
//      returns; the monitor reports one that ran longer than Config::stall_threshold.
//
// Rejected alternatives:
//   - One global queue under a lock (Go before 1.1): every spawn and wake-up contends on it.
//   - Waking an idle worker on every ready() (Go's wakep on every runqput): a futex wake per
//     channel handoff; the woken worker finds nothing and sleeps again. Measured here it turns
//     a 100 ns ping-pong into microseconds (see peers/CAVEATS.md on Boost's spinning).
//   - Idle workers that spin forever (Boost.Fiber's default): burns a CPU the OS or the other
//     helpers need on a 2-CPU machine, and still pays cross-CPU cache traffic per handoff.
//   - Switching through a scheduler context on every block (Go's mcall(park_m)): two switches
//     per handoff instead of one; we do it only when the worker has nothing else to run.
//   - Never migrating goroutines (marl): simpler TLS story, but one worker stays overloaded
//     while another idles. We migrate, and handle thread-locals (current_worker below).
//
// Invariants:
//   - a fiber is in at most one run queue, and in a run queue only when runnable;
//   - Worker::current is the fiber whose stack the worker's thread is executing (null: the
//     worker's own loop);
//   - a waiting fiber's context is saved before any waker can find it: its object's lock is
//     released only in the after-switch hook;
//   - only the owner writes a worker's ring tail and stores into runnext; thieves only take
//     (CAS on the ring head, CAS of runnext to null).
//
// Following one go(fn) from spawn to completion: rt::go() moves fn onto the new goroutine's
// stack (spawn.cpp: spawn, new_fiber) and push_local() queues it; pick_local() on some worker
// (or a thief's steal(), stealing.cpp) takes it; switch_to() resumes its Context, which starts
// in fiber_entry() (spawn.cpp): run the after-switch hook, call fn, then exit_current()
// switches away for good with AfterSwitch::exited, and the next context's hook returns the
// fiber and its stack to a free list (free_fiber).
#include <cxxabi.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>

#include "runtime/compact.h"
#include "runtime/sanitizer.h"
#include "runtime/sched.h"
#include "runtime/timer.h"

namespace conc::rt::detail {

constinit thread_local Worker* tls_worker = nullptr;

namespace {}  // namespace

__attribute__((noinline)) EhState* eh_globals() {
  auto* p = reinterpret_cast<EhState*>(abi::__cxa_get_globals());
  asm volatile("" ::: "memory");
  return p;
}

namespace {

// The canary part of the overflow check, in two halves: the fast compare (switch_to) and,
// when it fails, the rest (switch_to_slow): an unguarded stack next to a released one reads 0.
bool canary_differs(const Fiber* g) {
  return !g->stack.guarded && load_canary(g->stack) != kStackCanary;
}
void check_canary_slow(const Fiber* g) {
  if (!canary_intact_slow(g->stack)) {
    fatal_stack_overflow(g->id, "the canary below its stack was overwritten", &g->stack,
                         __builtin_frame_address(0));
  }
}
// The stack-pointer part (switch_contexts).
void check_stack_pointer(const Fiber* g) {
  char probe = 0;  // only its address matters (initialised: it is also printed through)
  if (reinterpret_cast<std::byte*>(&probe) < g->stack.lo) {
    fatal_stack_overflow(g->id, "its stack pointer is below its stack", &g->stack, &probe);
  }
}

// The worker generators' seeds (select's random choice, the order thieves visit victims).
// Go seeds its generator once per process from the OS's randomness, so a program's choices
// differ from run to run; here too: one seed per process, from which every worker of every
// run() draws a stream of its own. Config::random_seed fixes it instead (worker i: stream i).
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
std::uint64_t process_seed() {
  static const std::uint64_t seed = [] {
    std::random_device entropy;  // getrandom(2) on Linux
    return (std::uint64_t{entropy()} << 32) ^ entropy();
  }();
  return seed;
}
std::atomic<std::uint64_t> streams_drawn{0};
std::uint64_t worker_seed(std::uint64_t fixed, int index) {
  const std::uint64_t stream =
      fixed != 0 ? fixed + static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ull
                 : process_seed() + streams_drawn.fetch_add(1, std::memory_order_relaxed) *
                                        0x9E3779B97F4A7C15ull;
  const std::uint64_t seed = splitmix64(stream);
  return seed != 0 ? seed : 1;  // xorshift never leaves 0
}

}  // namespace

void check_stack(const Fiber* g) {
  if (canary_differs(g)) {
    check_canary_slow(g);
  }
  check_stack_pointer(g);
}

// Thread-locals and migration. A goroutine may block on one worker and resume on another, so
// "this thread's worker" can change across any call that may switch. Compilers assume a
// thread's TLS block never moves while a function runs and may compute the address of
// tls_worker once and reuse it after the switch (GCC does, at -O2): the goroutine would then
// read the previous thread's worker. Every read therefore goes through this non-inlined
// function whose asm barrier also keeps it from being treated as pure, and callers re-read it
// after anything that may switch instead of keeping the pointer.
__attribute__((noinline)) Worker* current_worker() {
  Worker* w = tls_worker;
  asm volatile("" ::: "memory");
  return w;
}
void set_current_worker(Worker* w) {
  tls_worker = w;
}

__attribute__((noinline)) std::uint64_t current_goroutine_id() {
  Worker* w = tls_worker;
  asm volatile("" ::: "memory");
  return w == nullptr ? 0 : w->current_id.load(std::memory_order_relaxed);
}

Fiber* current_fiber() {
  Worker* w = current_worker();
  return w == nullptr ? nullptr : w->current.load(std::memory_order_relaxed);
}

Fiber* current_fiber_checked(const char* what) {
  Fiber* g = current_fiber();
  if (g == nullptr) {
    std::fprintf(stderr, "conc::rt: fatal error: %s called outside a goroutine\n", what);
    std::abort();
  }
  return g;
}

void fatal(const char* message) {
  std::fprintf(stderr, "conc::rt: fatal error: %s\n", message);
  std::abort();
}

Worker::Worker(Scheduler* s, int i)
    : sched(s), index(i), rng(worker_seed(s->config.random_seed, i)) {}

// --- switching ---------------------------------------------------------------------------

// Every switch starts here. The common case does two compares and jumps on to
// switch_contexts; both calls are tail calls, so this adds no frame and keeps switch_contexts
// free of calls that return (which would cost it saved registers).
void Scheduler::switch_to(Worker* w, Fiber* from, Fiber* to) {
  if ((from != nullptr && canary_differs(from)) || (to != nullptr && to->compact != nullptr))
      [[unlikely]] {
    return switch_to_slow(w, from, to);
  }
  return switch_contexts(w, from, to);
}

void Scheduler::switch_to_slow(Worker* w, Fiber* from, Fiber* to) {
  if (from != nullptr && canary_differs(from)) {
    check_canary_slow(from);  // returns only if the stack under it was released (stack.h)
  }
  if (to != nullptr && to->compact != nullptr) {
    make_resident(w, to);  // its frames may have been copied out while it was parked
  }
  switch_contexts(w, from, to);
}

void Scheduler::switch_contexts(Worker* w, Fiber* from, Fiber* to) {
  if (from != nullptr) {
    check_stack_pointer(from);
  }
  Context* from_ctx = from != nullptr ? &from->ctx : &w->sched_ctx;
  Context* to_ctx = to != nullptr ? &to->ctx : &w->sched_ctx;
  w->current.store(to, std::memory_order_relaxed);
  w->current_id.store(to != nullptr ? to->id : 0, std::memory_order_relaxed);
  w->n_switches.store(w->n_switches.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (to != nullptr) {
    to->state.store(FiberState::running, std::memory_order_relaxed);
    w->n_run.store(w->n_run.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (w->index < 64) {
      const std::uint64_t bit = std::uint64_t{1} << w->index;
      const std::uint64_t mask = to->ran_on_mask.load(std::memory_order_relaxed);
      if ((mask & bit) == 0) {
        to->ran_on_mask.store(mask | bit, std::memory_order_relaxed);
      }
    }
    if (config.trace) [[unlikely]] {
      trace(w, EventKind::run, to->id);
    }
  }
  EhState* eh = w->eh_globals;  // this thread's: cached at worker start (see eh_globals())
  (from != nullptr ? from->eh : w->sched_eh) = *eh;
  *eh = to != nullptr ? to->eh : w->sched_eh;

  const bool dying =
      from != nullptr && from->state.load(std::memory_order_relaxed) == FiberState::dead;
  void** fake = from != nullptr ? &from->asan_fake_stack : &w->sched_asan_fake_stack;
  if (to != nullptr) {
    asan_start_switch(dying ? nullptr : fake, to->stack.lo, to->stack.size());
    tsan_switch_to(to->tsan_fiber);
  } else {
    asan_start_switch(dying ? nullptr : fake, w->native_stack_lo, w->native_stack_size);
    tsan_switch_to(w->sched_tsan_fiber);
  }
  context_switch(from_ctx, to_ctx);
  // Resumed, perhaps on another worker: `w` is stale from here on.
  asan_finish_switch(*fake);
  Worker* now = current_worker();
  now->sched->after_switch(now);
}

void Scheduler::run_after_switch(Worker* w) {
  after_switch(w);
}

// Inlined into switch_contexts (the hot path), out of line for everyone else.
[[gnu::always_inline]] inline void Scheduler::after_switch(Worker* w) {
  const AfterSwitch what = w->after;
  if (what == AfterSwitch::nothing) {
    return;
  }
  w->after = AfterSwitch::nothing;
  Fiber* g = w->after_fiber;
  switch (what) {
    case AfterSwitch::parked: {
      // Relaxed: readers are the object's wakers (ordered by its lock, released just below)
      // and the scheduler's end-of-program sweeps, which run only once every worker is idle.
      g->state.store(FiberState::waiting, std::memory_order_relaxed);
      if (g->compact != nullptr) [[unlikely]] {
        after_park_compact(w, g);  // the same, with its stack offered for compaction
        break;
      }
      if (w->after_unlock != nullptr) {
        w->after_unlock(w->after_arg);
      }
      break;
    }
    case AfterSwitch::yielded:
      push_local(w, g);
      break;
    case AfterSwitch::exited:
      free_fiber(w, g);
      break;
    case AfterSwitch::nothing:
      break;
  }
}

// --- run queues --------------------------------------------------------------------------

Fiber* Scheduler::pick_local(Worker* w) {
  for (;;) {
    Fiber* g = pick_queued(w);
    if (g == nullptr || ending() != Ending::abandon) [[likely]] {
      return g;
    }
    count_abandoned(g);
    g->state.store(FiberState::dead, std::memory_order_relaxed);  // the program has ended
    free_fiber(w, g);
  }
}

Fiber* Scheduler::pick_queued(Worker* w) {
  if (++w->tick % kGlobalPollEvery == 0 && global_size_.load(std::memory_order_relaxed) > 0) {
    if (Fiber* g = pop_global(w)) {
      return g;
    }
  }
  // runnext picks are budgeted (kRunnextBudget): when the budget is spent, the ring's head
  // runs first. The ring path pays nothing; the runnext path a compare, and a decrement after
  // the locked exchange (a store just ahead of it would make it wait for the store to drain).
  if (w->runnext.load(std::memory_order_relaxed) != nullptr) {
    if (w->runnext_budget == 0) [[unlikely]] {
      if (Fiber* g = rotate_runnext(w)) {
        return g;
      }
    } else if (Fiber* g = w->runnext.exchange(nullptr, std::memory_order_acquire)) {
      --w->runnext_budget;
      return g;
    }
  }
  if (Fiber* g = w->runq.pop()) {
    return g;
  }
  if (global_size_.load(std::memory_order_relaxed) > 0) {
    return pop_global(w);
  }
  return nullptr;
}

// The runnext budget is spent (design point 1): run the ring's head and queue runnext behind
// the rest, as Go does with a goroutine whose time slice ran out. With an empty ring there is
// no one to be fair to, and runnext runs on. Either way the budget starts again.
Fiber* Scheduler::rotate_runnext(Worker* w) {
  w->runnext_budget = kRunnextBudget;
  Fiber* next = w->runnext.exchange(nullptr, std::memory_order_acquire);
  if (next == nullptr) {
    return nullptr;  // a thief took it
  }
  Fiber* head = w->runq.pop();
  if (head == nullptr) {
    return next;
  }
  push_local(w, next);  // after the pop: a full ring has room again
  return head;
}

void Scheduler::push_local(Worker* w, Fiber* g) {
  g->state.store(FiberState::runnable, std::memory_order_relaxed);
  if (!w->runq.push(g)) {
    Fiber* batch[RunQueue::kCapacity / 2 + 1];
    const std::uint32_t n = w->runq.take_half(batch);
    std::lock_guard lock(global_lock_);
    for (std::uint32_t i = 0; i <= n; ++i) {
      Fiber* f = i < n ? batch[i] : g;
      f->next = nullptr;
      (global_tail_ != nullptr ? global_tail_->next : global_head_) = f;
      global_tail_ = f;
    }
    global_size_.fetch_add(n + 1, std::memory_order_relaxed);
  }
  // One queued goroutine runs here at this worker's next switch; moving it to a sleeping
  // worker costs a futex wake-up and a cross-CPU handoff per message. Wake for a backlog.
  if (workers.size() > 1 && w->runq.size() >= kWakeBacklog) {
    maybe_wake();
  }
}

void Scheduler::push_global(Fiber* g) {
  g->state.store(FiberState::runnable, std::memory_order_relaxed);
  {
    std::lock_guard lock(global_lock_);
    g->next = nullptr;
    (global_tail_ != nullptr ? global_tail_->next : global_head_) = g;
    global_tail_ = g;
    global_size_.fetch_add(1, std::memory_order_seq_cst);
  }
  maybe_wake();
}

// Takes one fiber and moves a fair share of the rest into w's ring (Go's globrunqget).
Fiber* Scheduler::pop_global(Worker* w) {
  std::lock_guard lock(global_lock_);
  if (global_head_ == nullptr) {
    return nullptr;
  }
  const std::size_t size = global_size_.load(std::memory_order_relaxed);
  std::size_t n = std::min<std::size_t>(size / workers.size() + 1, RunQueue::kCapacity / 2);
  Fiber* first = global_head_;
  global_head_ = first->next;
  std::size_t taken = 1;
  while (taken < n && global_head_ != nullptr) {
    Fiber* g = global_head_;
    if (!w->runq.push(g)) {
      break;
    }
    global_head_ = g->next;
    ++taken;
  }
  if (global_head_ == nullptr) {
    global_tail_ = nullptr;
  }
  global_size_.fetch_sub(taken, std::memory_order_relaxed);
  return first;
}

void Scheduler::ready(Fiber* g, Worker* w) {
  if (config.trace) [[unlikely]] {
    Fiber* by = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
    trace(w, EventKind::unblock, g->id, by != nullptr ? by->id : 0);
  }
  if (w == nullptr || w->sched != this) {
    ready_from_outside(g);
    return;
  }
  if (w->current.load(std::memory_order_relaxed) == nullptr) {
    push_local(w, g);  // from the worker's own loop: no handoff to favour
    return;
  }
  g->state.store(FiberState::runnable, std::memory_order_relaxed);
  // Thieves only ever change runnext from a fiber to null: when it is empty, a plain store is
  // enough (no atomic exchange on the handoff path).
  if (w->runnext.load(std::memory_order_relaxed) == nullptr) {
    w->runnext.store(g, std::memory_order_release);
  } else if (Fiber* old = w->runnext.exchange(g, std::memory_order_acq_rel)) {
    push_local(w, old);
  }
}

void Scheduler::ready_from_outside(Fiber* g) {
  push_global(g);
}

void Scheduler::worker_loop(Worker* w) {
  for (;;) {
    run_after_switch(w);
    Fiber* g = find_work(w);
    if (g == nullptr) {
      return;
    }
    if (ending() == Ending::abandon) [[unlikely]] {  // stolen after the program ended
      count_abandoned(g);
      g->state.store(FiberState::dead, std::memory_order_relaxed);
      free_fiber(w, g);
      continue;
    }
    switch_to(w, nullptr, g);
  }
}

}  // namespace conc::rt::detail
