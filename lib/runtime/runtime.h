#pragma once
// conc::rt: goroutines for C++. This header is the scheduler's public face: run a program,
// spawn goroutines, yield, sleep, and read what happened. Channels are in chan.h, select in
// select.h, the sync package in sync.h.
//
//   conc::rt::RunResult r = conc::rt::run([] {
//     conc::rt::Chan<int> c(0);
//     conc::rt::go([&] { c.send(42); });
//     int v = *c.recv();
//   });
//
// Goroutines are cooperative: one runs on its worker until it blocks on a runtime object,
// yields or returns. Go preempts a goroutine that ran 10 ms (by signal since Go 1.14); a C++
// runtime cannot safely interrupt arbitrary code, so conc::rt instead reports such a goroutine
// (RunResult::stalls) and leaves it running. Blocking OS calls block the worker thread.
//
// How a program ends. When main returns, as in Go, every other goroutine stops where it is and
// never runs again: parked ones at once, running ones at their next park or yield. Their
// stacks come back; their destructors do not run (RunResult::abandoned counts them). As with
// threads, objects main shares with them by reference must therefore outlive run() if those
// goroutines may still be running when main returns, and a channel or mutex a stopped
// goroutine was waiting on must not be used by a later run(). After a deadlock, and after a
// panic escapes a goroutine (Go would exit the process), every goroutine is instead unwound
// (destructors run), newest first: after a panic, once running ones reached their next park or
// yield. A goroutine that blocks again while being unwound (in a destructor) is abandoned and
// named in the report. Go's panic ends the process; this keeps run() returning and the memory
// accounted for.
//
// Thread-locals and errno. A goroutine may resume on another worker thread after anything
// that can switch (a channel operation, a lock, yield, sleep_for, go). A thread_local's value
// or address obtained before such a call belongs to the old thread afterwards, and errno is
// one: save errno in a local right after the system call that set it, before anything that may
// switch. The compiler may even reuse a TLS address computed before the call within the same
// function (GCC does at -O2, and glibc declares __errno_location const), so keep thread_local
// access in small non-inlined functions, as the runtime does (scheduler.cpp: current_worker).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include "runtime/checks.h"
#include "runtime/source_location.h"

namespace conc::rt {

struct Config {
  int workers = 0;                     // worker threads (GOMAXPROCS); 0 = the CPUs allowed
  std::size_t stack_size = 64 * 1024;  // NOLINT: reserved per goroutine, committed when touched
  std::chrono::milliseconds stall_threshold{10};  // report goroutines running longer; 0 = off
  bool trace = false;                             // record scheduling events (RunResult::trace)
  std::size_t trace_capacity = 1 << 16;           // events kept per worker
  // Compact goroutines (SpawnOptions below): a worker copies out the stacks of those that
  // parked on it once this many have parked since its last batch, and when it runs out of
  // work; one batch gives their pages back in one madvise per run of neighbouring stacks.
  // 1 = at every park (tests). Goroutines woken before their batch are never copied.
  std::uint32_t compact_batch = 64;
  // Lock-order checking (checks.h: LockOrderWarning), as Linux's lockdep: every Mutex lock()
  // and RWMutex lock() taken while the goroutine holds another records the pair (held, taken)
  // with both call sites; a pair seen in both orders (also through a chain: a->b, b->c, c->a)
  // is reported in RunResult::lock_order, even if the run never deadlocked. A successful
  // try_lock() cannot deadlock: it records no pair (as in lockdep), so try_lock with back-off
  // is no inversion. Off by default: it costs a lookup under a run-wide lock at every lock()
  // and unlock().
  bool check_lock_order = false;
  // Seed of the workers' random generators (select's choice among ready cases, the order
  // thieves try victims). 0: seeded once per process from the OS's randomness, as Go does, so
  // choices differ between runs. Any other value fixes it, for tests: with one worker, the
  // same program then makes the same choices every run (with more, which worker's generator a
  // goroutine draws from depends on scheduling).
  std::uint64_t random_seed = 0;
};

// How go() starts a goroutine.
struct SpawnOptions {
  // Opt-in compact mode. While the goroutine is parked (blocked on a channel, select, sync
  // object or sleep), the runtime may copy the used part of its stack to a right-sized heap
  // buffer and give the stack's pages back to the kernel; before it runs again the frames are
  // copied back to the same addresses. A parked goroutine then costs ~1 KB instead of a 4 KiB
  // page (README, mem_per_goroutine_compact), and a wake-up after compaction costs a page
  // fault and a copy (microseconds instead of ~100 ns).
  //
  // CONTRACT: while the goroutine is parked, nothing outside it reads or writes its stack.
  // It captures by value, or points to memory that is not on its own stack (the heap,
  // globals, or the locals of ordinary goroutines such as main's). Its own locals must not be
  // shared by address with goroutines that may touch them while it blocks: a WaitGroup or
  // Mutex it declares and hands to children, a buffer it lends, `go([&] { ... })` from inside
  // it. Breaking the contract corrupts memory silently (ASan builds report it as
  // use-after-poison). The runtime's own records (waiters, select cases, values in flight)
  // are kept off its stack.
  bool compact_when_parked = false;
};

enum class Outcome {
  completed,  // main returned (other goroutines were stopped, not unwound, as Go ends them)
  deadlock,   // see DeadlockKind: report says who waits on what
  panic,      // an exception escaped a goroutine: report names it
};

// Which deadlock ended a run (RunResult::deadlock_kind; none unless Outcome::deadlock).
//
// all_asleep: every goroutine blocked and no timer pending (Go's "all goroutines are asleep").
//
// mutex_cycle: beyond Go. When a goroutine is about to block on a Mutex (or an RWMutex's
// lock()), the runtime follows lock -> holder -> the lock that holder waits for -> ... and, if
// the chain comes back to this goroutine, the goroutines of the chain can never run again,
// whatever the others do. Go would leave them stuck for ever (and hang, if anyone waits for
// them). Here the cycle is reported at once in RunResult::mutex_cycles and at the head of
// RunResult::report ("partial deadlock: mutex wait-for cycle"), and the run ends as after any
// deadlock: Outcome::deadlock, every goroutine unwound (those still running stop at their next
// park or yield, as after a panic), run() returns. A lesson thus shows the cycle and recovers
// within a bound even while other goroutines keep working. The blocking goroutine finds the
// cycle; the monitor thread confirms it at its next tick (every 5 ms) once it has held for
// 1 ms with every goroutine of it still parked on the same wait (lockcheck.h says why), so
// the run ends a few milliseconds after the cycle closed. Seen when every goroutine is asleep
// anyway, the kind is all_asleep, and RunResult::mutex_cycles names the cycle all the same.
enum class DeadlockKind { none, all_asleep, mutex_cycle };

struct WorkerStats {
  std::uint64_t goroutines_run = 0;  // times a goroutine was switched in
  std::uint64_t switches = 0;        // context switches made by this worker
  std::uint64_t steals = 0;          // goroutines taken from another worker's queue
  std::uint64_t parks = 0;           // times the worker thread slept for lack of work
  std::uint64_t compactions = 0;     // compact goroutines' stacks it copied out and released
  std::uint64_t restores = 0;        // ... and copied back before running them again
};

struct Stall {
  std::uint64_t goroutine;
  int worker;
  std::int64_t ran_at_least_ns;  // without blocking or yielding
};

enum class EventKind { spawn, run, block, unblock, steal, exit };

struct TraceEvent {
  std::int64_t ns;  // since run() started
  EventKind kind;
  int worker;
  std::uint64_t goroutine;
  std::uint64_t other;  // steal: the victim worker; unblock: the goroutine that readied it
};

struct RunResult {
  Outcome outcome = Outcome::completed;
  DeadlockKind deadlock_kind = DeadlockKind::none;
  std::string report;  // deadlock or panic report, Go's wording first
  std::uint64_t panicking_goroutine = 0;
  std::string panic_message;
  std::uint64_t goroutines_spawned = 0;
  // Goroutines that had started and were stopped without being unwound (their destructors
  // never ran): those still running or parked when main returned, as Go ends them, and those
  // that blocked again while being unwound (in a destructor), which the report names.
  std::uint64_t abandoned = 0;
  std::vector<WorkerStats> workers;
  std::vector<Stall> stalls;
  std::vector<TraceEvent> trace;  // sorted by time; empty unless Config::trace
  // The hazard checkers (checks.h), in the order found. Nothing is printed: format_race,
  // format_mutex_cycle and format_lock_order give each in words.
  std::vector<RaceReport> races;             // data races on Shared<T> (shared.h), deduplicated
  std::vector<MutexCycle> mutex_cycles;      // DeadlockKind::mutex_cycle
  std::vector<LockOrderWarning> lock_order;  // Config::check_lock_order, deduplicated by lock pair
};

// Runs main_fn as goroutine 1 on a fresh scheduler and returns when the program has ended and
// every goroutine is gone (unwound if needed) and every stack is back in the pool.
// Precondition: not called from inside a goroutine.
RunResult run(std::function<void()> main_fn, Config config = {});

// Snapshot of process-wide accounting (tests assert that live_goroutines, stacks_in_use and
// stacks_compacted are back to 0 after run()).
struct RuntimeStats {
  std::int64_t live_goroutines = 0;
  std::size_t stacks_in_use = 0;
  std::size_t stacks_reserved = 0;
  std::size_t guarded_stacks = 0;
  std::size_t guard_budget = 0;
  std::int64_t stacks_compacted = 0;  // compact goroutines parked with their stack copied out
};
RuntimeStats stats();

namespace detail {
struct TaskOps {
  std::size_t size;
  std::size_t align;
  void (*invoke)(void*);
  void (*destroy)(void*);
  void (*move_to)(void* dst, void* src);
};
void spawn(const TaskOps* ops, void* fn, SourceLocation where);
void spawn_compact(const TaskOps* ops, void* fn, SourceLocation where);

template <class F>
void go_with(F&& fn, SourceLocation where, bool compact) {
  using Fn = std::decay_t<F>;
  static constexpr TaskOps ops{
      sizeof(Fn), alignof(Fn), [](void* p) { (*static_cast<Fn*>(p))(); },
      [](void* p) { static_cast<Fn*>(p)->~Fn(); },
      [](void* dst, void* src) { ::new (dst) Fn(std::move(*static_cast<Fn*>(src))); }};
  Fn local(std::forward<F>(fn));
  if (compact) {
    spawn_compact(&ops, &local, where);
  } else {
    spawn(&ops, &local, where);
  }
}
}  // namespace detail

// Starts fn() as a new goroutine. The callable is moved to the top of the goroutine's own
// stack: no heap allocation. Precondition: called from a goroutine (inside run()).
// Memory ordering: everything the caller wrote before go() is visible to fn.
template <class F>
void go(F&& fn, SourceLocation where = SourceLocation::current()) {
  detail::go_with(std::forward<F>(fn), where, false);
}

// The same with options: rt::go(fn, rt::SpawnOptions{.compact_when_parked = true}) starts a
// compact goroutine (read the contract above). Its control block and closure live on the heap.
template <class F>
void go(F&& fn, SpawnOptions options, SourceLocation where = SourceLocation::current()) {
  detail::go_with(std::forward<F>(fn), where, options.compact_when_parked);
}

// Lets other runnable goroutines of this worker run first (Go's runtime.Gosched).
void yield();
// Ends the calling goroutine (Go's runtime.Goexit): its stack unwinds, so its destructors run
// (Go's deferred calls), and no other goroutine is affected. It is not a panic: catch (const
// Panic&) does not see it; catch (...) must rethrow it. Called by main, as in Go, the program
// does not end: the other goroutines go on, and once none is left the program ends as a
// deadlock, "no goroutines (main called runtime.Goexit) - deadlock!" (if some are left
// blocked forever: "all goroutines are asleep - deadlock!"). Precondition: in a goroutine.
[[noreturn]] void goexit();
// Blocks this goroutine (not the worker) for at least d. d <= 0 yields.
void sleep_for(std::chrono::nanoseconds d);

bool in_goroutine();
std::uint64_t goroutine_id();  // 0 outside goroutines
int worker_index();            // -1 outside workers
// Stalls reported so far in this program (the monitor's view; RunResult::stalls has them all).
std::size_t stalls_reported();
// The workers this goroutine has run on so far, as a bit set (bit w: worker w, for w < 64).
std::uint64_t workers_ran_on();

}  // namespace conc::rt
