#pragma once
// Internal: the scheduler's types and the few calls the primitives (chan, select, sync,
// timers) build on. Not for users: see runtime.h.
//
// The contract between a primitive and the scheduler, in four calls:
//   seq = begin_wait(g)          before publishing a waiter {g, seq} in an object's queue
//   park(reason, obj, unlock)    switch away; `unlock` runs once g's context is saved, so no
//                                waker can resume g before it has really stopped
//   claim (WaitQueue::pop_claimed, claim_wake) a waker that found the waiter wins the right
//                                to wake it
//   ready(g)                     ... and makes it runnable
// park() also takes a Cleanup: how to take g's waiter(s) out of the object's queues. When a
// deadlock ends the program, the scheduler runs every parked goroutine's cleanup while all
// objects are still alive, and only then resumes them with Wake::cancelled: the primitive then
// just calls throw_cancelled(), touching nothing, and the goroutine unwinds.
//
// How a program ends (Scheduler::Ending):
//   abandon  main returned. As in Go, every other goroutine simply stops: parked ones are
//            reclaimed where they are, queued ones are discarded, running ones stop at their
//            next park or yield. None of their code runs again (destructors neither: objects
//            they own on the heap are not freed). Their stacks return to the pool.
//   unwind   a deadlock or a panic. Once every goroutine is parked (a deadlock: at once; a
//            panic: running ones stop at their next park or yield, claimed and out of every
//            queue, and queued ones run until they do), the last worker to go idle sweeps:
//            goroutines are resumed one at a time, newest first (children before the parents
//            whose locals they reference), with a cancellation that unwinds their stacks
//            (unwind_started). One that blocks again while unwinding is abandoned.

//
// Scheduler, file by file (its public face first: what run() and the primitives call; then
// what the runtime's own machinery outside the class uses; the rest is private):
//   program.cpp    constructor, run(), finish(), now_ns(), trace(); panics and how a program
//                  ends: record_panic, begin_shutdown, abandon_*, start_unwinding,
//                  sweep_ended, unwind_next
//   spawn.cpp      spawn, spawn_compact, spawn_from_outside, launch, exit_current, new_fiber,
//                  free_fiber (and fiber_entry, detail::spawn)
//   scheduler.cpp  ready, ready_from_outside, worker_loop, pick_local, pick_queued,
//                  rotate_runnext, switch_to*, switch_contexts, (run_)after_switch,
//                  push_local, push_global, pop_global
//   stealing.cpp   find_work, steal, stop_spinning, any_work_visible, sleep, leave_idle,
//                  wait_for_wake, maybe_wake, wake_one, wake_all, wake_worker
//   compact.cpp    the compact goroutines' members (new_compact_fiber ... make_resident)
//   deadlock.cpp   detect_deadlock_locked, handle_deadlock, recheck_deadlock,
//                  deadlock_report, check_mutex_cycles
//   timer.cpp      poke_idle_if_work, check_stalls (the monitor thread, a friend)
//   netpoll.cpp    (a friend: queues what the poller readied and wakes a sleeper)

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/fiber.h"
#include "runtime/runq.h"
#include "runtime/spinlock.h"

namespace conc::rt::detail {

class Timers;
class Netpoller;
class RaceDetector;
class LockWaits;
class LockChecker;

enum class Wake { normal, cancelled };

// Idle fibers kept for reuse (Go's gfree), linked through Fiber::next. A worker's own list is
// its alone; the shared lists are guarded by Scheduler::fibers_mu_.
struct FreeFibers {
  Fiber* head = nullptr;
  std::size_t count = 0;

  bool empty() const { return head == nullptr; }
  void push(Fiber* g) {
    g->next = head;
    head = g;
    ++count;
  }
  Fiber* pop() {
    Fiber* g = head;
    head = g->next;
    --count;
    return g;
  }
  // Moves up to n fibers from `from` to this list.
  void take_from(FreeFibers& from, std::size_t n) {
    for (; n > 0 && !from.empty(); --n) {
      push(from.pop());
    }
  }
};

// Goroutines queued in a worker's ring (beyond runnext) that make it worth waking, or being, a
// thief. One queued goroutine runs at its worker's next switch; moving it costs more.
inline constexpr std::uint32_t kWakeBacklog = 2;

// Fairness without preemption. A goroutine readied by a running one goes to runnext, which is
// picked before the ring: a ping-pong pair would otherwise keep its worker forever and starve
// the ring. Go bounds this by time (runnext inherits the readier's 10 ms slice); we bound the
// number of runnext picks between two turns of the ring: each worker has a budget of
// kRunnextBudget runnext picks, and when it is spent the ring's head runs and runnext goes
// to the ring's tail, so every queued goroutine runs before the pair resumes. The budget is
// refilled only then (not at every pick from the ring, which would cost a store on that
// path): a rotation may come early, never late. Cost: a compare and a decrement per runnext
// pick. The global queue is polled every kGlobalPollEvery picks whatever the source (Go:
// every 61 schedticks).
inline constexpr std::uint32_t kRunnextBudget = 61;
inline constexpr std::uint32_t kGlobalPollEvery = 61;

struct Cleanup {
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
};

enum class Ending : int { none, abandon, unwind };

// A sleeping worker's futex word: why it was woken.
inline constexpr std::uint32_t kAsleep = 0;
inline constexpr std::uint32_t kWokeSpinning = 1;  // counted in n_spinning_ by the waker
inline constexpr std::uint32_t kWokeStop = 2;      // the program is stopping, or look again
inline constexpr std::uint32_t kWokeDeadlock = 3;  // handle the deadlock the monitor found

// What a context switch leaves for the context it resumes to do (Go's park_m/unlockf): work
// that must wait until the previous goroutine's registers are saved.
enum class AfterSwitch : std::uint8_t { nothing, parked, yielded, exited };

class Worker {
 public:
  Worker(Scheduler* s, int index);

  Scheduler* const sched;
  const int index;

  // Owned by this worker's thread, except where noted.
  std::atomic<Fiber*> current{nullptr};
  std::atomic<std::uint64_t> current_id{0};  // its goroutine id, for the stall detector
  std::int64_t stalled_ns = 0;               // monitor thread only
  std::atomic<Fiber*> runnext{nullptr};      // thieves may CAS it away when stale
  RunQueue runq;
  Context sched_ctx{};  // the worker's own loop, on the thread's native stack
  EhState sched_eh;
  EhState* eh_globals = nullptr;  // the thread's libstdc++ exception state
  void* sched_tsan_fiber = nullptr;
  void* sched_asan_fake_stack = nullptr;
  const void* native_stack_lo = nullptr;
  std::size_t native_stack_size = 0;

  AfterSwitch after = AfterSwitch::nothing;
  Fiber* after_fiber = nullptr;
  void (*after_unlock)(void*) = nullptr;
  void* after_arg = nullptr;

  std::uint32_t tick = 0;  // picks so far: polls the global queue (kGlobalPollEvery)
  std::uint32_t runnext_budget = kRunnextBudget;  // runnext picks before the ring's turn
  std::uint64_t rng;
  bool woken_spinning = false;
  std::atomic<std::uint32_t> futex_word{0};

  FreeFibers free_fibers;  // dead fibers kept for reuse

  // Compact goroutines (compact.h): dead ones kept for reuse, and those that parked here since
  // this worker's last compaction batch (with the batch's scratch space).
  FreeFibers free_compact;
  std::vector<Fiber*> compact_pending;
  std::vector<Fiber*> compact_taken;
  std::vector<StackSpan> compact_spans;

  // Counters: written only by this worker (relaxed load + store, no lock prefix), read by
  // anyone. switches also tells thieves whether runnext is stale.
  std::atomic<std::uint64_t> n_run{0}, n_switches{0}, n_steals{0}, n_parks{0};
  std::atomic<std::uint64_t> n_compactions{0}, n_restores{0};
  std::vector<TraceEvent> trace;

  std::thread thread;
};

class Scheduler {
 public:
  // --- the public face: what a program's run and the primitives call ----------------------
  explicit Scheduler(const Config& config);
  ~Scheduler();
  RunResult run(std::function<void()> main_fn);  // rt::run(): the whole program (program.cpp)

  // Make a parked goroutine runnable: from a goroutine running on w (ready_from), or from a
  // thread that is not a worker (timers, the netpoller).
  void ready(Fiber* g, Worker* w);
  void ready_from_outside(Fiber* g);
  // go() from a thread that is not a worker (the monitor: after_func): false if the program
  // ends. (go() from a goroutine: detail::spawn, spawn.cpp.)
  bool spawn_from_outside(const TaskOps* ops, void* fn, const char* file, std::uint32_t line);
  bool shutting_down() const { return ending() != Ending::none; }
  Ending ending() const { return static_cast<Ending>(ending_.load(std::memory_order_seq_cst)); }
  Timers& timers() { return *timers_; }
  Netpoller& netpoller() { return *netpoller_; }
  std::int64_t now_ns() const;
  void trace(Worker* w, EventKind k, std::uint64_t g, std::uint64_t other = 0);

  const Config config;
  std::vector<std::unique_ptr<Worker>> workers;

  // --- for the runtime's own machinery outside Scheduler (not for the primitives) ----------
  // go() and a goroutine's entry point (spawn.cpp: detail::spawn, fiber_entry).
  Fiber* spawn(const TaskOps* ops, void* fn, const char* file, std::uint32_t line, Worker* w);
  Fiber* spawn_compact(const TaskOps* ops, void* fn, const char* file, std::uint32_t line,
                       Worker* w);
  void run_after_switch(Worker* w);
  void record_panic(Fiber* g, const std::string& message);
  void begin_shutdown(Ending how);
  [[noreturn]] void exit_current(Worker* w, Fiber* g);
  // Parking and yielding (park.cpp: park_on, rt::yield).
  Fiber* pick_local(Worker* w);
  void switch_to(Worker* w, Fiber* from, Fiber* to);
  [[noreturn]] void exit_abandoned(Worker* w, Fiber* g);
  [[noreturn]] void abandon_unwinding(Worker* w, Fiber* g);
  // (Also public, among the state below: what park.cpp, race.cpp, lockcheck.cpp and sync.cpp
  // read; each says so.)

 private:
  // --- internals, by the file that holds them ----------------------------------------------
  // The monitor thread (timer.cpp) runs the scheduler's periodic checks; the netpoller
  // (netpoll.cpp) queues the goroutines it readies and wakes a sleeper, as ready() does.
  friend class Timers;
  friend class Netpoller;

  // program.cpp: the end of run(), panics, how a program ends (abandon, unwind).
  RunResult finish();
  void record_goexit_deadlock();
  void abandon_waiting();
  void abandon_parked(Worker* w, Fiber* g, std::uint64_t seq);
  void count_abandoned(const Fiber* g);
  bool start_unwinding();
  bool sweep_ended();
  void unwind_next(Worker* w);

  // spawn.cpp: go(), a goroutine's setup and exit, the fibers' free lists.
  void launch(Fiber* g, const TaskOps* ops, std::uintptr_t frames_top, const char* file,
              std::uint32_t line, Worker* w);
  Fiber* new_fiber(Worker* w);
  void free_fiber(Worker* w, Fiber* g);

  // scheduler.cpp: the worker loop, the run queues, switching.
  void worker_loop(Worker* w);
  Fiber* pick_queued(Worker* w);
  [[gnu::noinline]] Fiber* rotate_runnext(Worker* w);
  [[gnu::noinline, gnu::cold]] void switch_to_slow(Worker* w, Fiber* from, Fiber* to);
  [[gnu::noinline]] void switch_contexts(Worker* w, Fiber* from, Fiber* to);
  void after_switch(Worker* w);
  void push_local(Worker* w, Fiber* g);
  void push_global(Fiber* g);
  Fiber* pop_global(Worker* w);

  // stealing.cpp: finding work (stealing), sleeping when there is none, waking sleepers.
  Fiber* find_work(Worker* w);
  Fiber* steal(Worker* w);
  void stop_spinning(Worker* w);
  bool any_work_visible();
  Fiber* sleep(Worker* w);
  bool leave_idle(Worker* w);
  std::uint32_t wait_for_wake(Worker* w);
  void maybe_wake();
  void wake_one();
  void wake_all();
  void wake_worker(Worker* v);

  // compact.cpp: compact goroutines (compact.h).
  Fiber* new_compact_fiber(Worker* w);
  void* place_compact_closure(Fiber* g, const TaskOps* ops, void* fn);
  void recycle_compact_fiber(Worker* w, Fiber* g);
  void destroy_compact_fiber(Fiber* g);
  void after_park_compact(Worker* w, Fiber* g);
  void compact_pending(Worker* w);
  void make_resident(Worker* w, Fiber* g);

  // deadlock.cpp: detecting a deadlock and reporting it.
  bool detect_deadlock_locked();
  void handle_deadlock(Worker* w);
  void recheck_deadlock();
  std::string deadlock_report(std::vector<MutexCycle>* cycles);
  void check_mutex_cycles();  // the monitor's tick

  // timer.cpp: the monitor thread's checks.
  void poke_idle_if_work();
  void check_stalls(std::vector<std::uint64_t>& last_switches, std::int64_t interval_ns);

  // --- state (the order is the layout: keep it) --------------------------------------------
  // global run queue (Go's sched.runq)
  SpinLock global_lock_;
  Fiber* global_head_ = nullptr;
  Fiber* global_tail_ = nullptr;
  std::atomic<std::size_t> global_size_{0};

  // idle workers (Go's pidle + nmspinning)
  std::mutex idle_mu_;
  std::vector<Worker*> idle_;
  std::atomic<int> n_idle_{0};
  std::atomic<int> n_spinning_{0};
  bool deadlock_found_ = false;  // guarded by idle_mu_

  // goroutine accounting
  std::atomic<std::int64_t> live_{0};
  std::atomic<std::uint64_t> next_id_{1};
  std::mutex fibers_mu_;
  std::vector<Fiber*> all_fibers_;  // every fiber this run took from the stack pool
  FreeFibers shared_free_;          // free fibers handed between workers
  FreeFibers shared_free_compact_;  // the same for compact goroutines

  // program state
  std::atomic<int> ending_{0};
  std::vector<Fiber*> unwind_order_;  // deadlock: parked goroutines, newest first (fibers_mu_)
  std::atomic<std::uint64_t> abandoned_{0};  // RunResult::abandoned

 public:                                    // park.cpp
  std::atomic<bool> unwind_started{false};  // the sweep of Ending::unwind has begun

 private:
  std::size_t unwind_next_index_ = 0;
  std::atomic<bool> stopping_{false};

 public:                                   // spawn.cpp's fiber_entry; park.cpp
  std::atomic<bool> main_goexited{false};  // main called goexit(): the program goes on
  std::mutex result_mu;

 private:
  RunResult result_;

 public:                      // park.cpp (rt::stalls_reported)
  std::vector<Stall> stalls;  // guarded by result_mu

 private:
  std::int64_t start_ns_ = 0;
  std::unique_ptr<Timers> timers_;
  std::unique_ptr<Netpoller> netpoller_;

 public:                                      // race.cpp, sync.cpp, lockcheck.cpp
  std::atomic<RaceDetector*> race{nullptr};   // from the first Shared<T> access (race.cpp)
  std::unique_ptr<LockWaits> lock_waits;      // mutex wait-for cycles (lockcheck.h)
  std::unique_ptr<LockChecker> lock_checker;  // Config::check_lock_order, else null
};

// The race detector's side of the scheduler (race.cpp): the go edge (called before the child
// is queued), a goroutine's return, and the reports at the end of the run (which turns the
// detector off).
void race_spawned(Fiber* parent, Fiber* child);
void race_exited(Fiber* g);
std::vector<RaceReport> race_finish(Scheduler* s);

// The worker running on this thread, or null. Never inlined: see scheduler.cpp on TLS.
Worker* current_worker();
void set_current_worker(Worker* w);
std::uint64_t current_goroutine_id();  // 0 outside goroutines; one call, no other lookups

// The worker of this thread, for callers that read it exactly once, in an out-of-line
// function, before anything that may switch (see current_worker() on why that matters).
extern constinit thread_local Worker* tls_worker;
EhState* eh_globals();  // the calling thread's exception-handling state
Fiber* current_fiber();
Fiber* current_fiber_checked(const char* what);  // fatal outside a goroutine

std::uint64_t begin_wait(Fiber* g);
Wake park(WaitReason reason, const ObjectInfo* object, void (*unlock)(void*), void* arg,
          Cleanup cleanup = {});
// The same for a caller that already holds its worker (read before anything that may switch).
Wake park_on(Worker* w, WaitReason reason, const ObjectInfo* object, void (*unlock)(void*),
             void* arg, Cleanup cleanup = {});
// ready() from a goroutine running on w (or from outside any worker when w is null).
inline void ready_from(Worker* w, Fiber* g);
bool claim_wake(Fiber* g, std::uint64_t seq);
void ready(Fiber* g);
[[noreturn]] void throw_cancelled();
// The overflow checks a switch away from g makes (canary, stack pointer), for the paths that
// do not switch. Stops the process if g's stack overflowed.
void check_stack(const Fiber* g);
[[noreturn]] void fatal(const char* message);

inline void ready_from(Worker* w, Fiber* g) {
  g->sched->ready(g, w);
}

// Uniform in [0, n) from the worker's xorshift generator (Lemire's multiply-shift).
inline std::uint32_t random_below(Worker* w, std::uint32_t n) {
  w->rng ^= w->rng << 13;
  w->rng ^= w->rng >> 7;
  w->rng ^= w->rng << 17;
  return static_cast<std::uint32_t>(((w->rng >> 32) * n) >> 32);
}

}  // namespace conc::rt::detail
