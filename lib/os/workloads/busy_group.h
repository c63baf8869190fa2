#pragma once
// N threads that do nothing but compute, all pinned to one CPU: the load of the time-slice
// experiments. Each counts the work units it completes, but only while a measurement window is
// open, so start-up and tear-down never leak into a figure.
//
// Life of a group:
//   construct   threads are created one by one; the first failure (EAGAIN when a limit on
//               tasks, memory or mappings is hit) stops creation and is kept as a value with the
//               count reached. Created threads record their tid and sleep at the gate (a futex:
//               a thousand waiting threads take no CPU).
//   wait_ready  every created thread has reached the gate (bounded; Ctrl-C ends it).
//   start       the gate opens: all spin from now on.
//   open_window / close_window   counting on / off; count(i) read between windows.
//   stop        (also the destructor) every thread is told to stop and joined.
//
// Ctrl-C: the workers stop by themselves. While they run, the rest of the process can hardly
// get a CPU: with autogroup, the kernel splits this session's share between CPUs by load, so
// with a thousand busy threads on one CPU a thread of the same process on the other CPU gets
// about 0.2% of it whenever another session is busy there, and the signal handler (which runs
// on the main thread) may wait seconds for a turn. So the workers block SIGINT and SIGTERM,
// which leaves those signals pending where sigpending() shows them, look every few hundred
// microseconds of their own CPU time, and stop the whole group when one is pending or has been
// handled. Their exit takes the load off their CPU at once, but the share of the other CPU is
// only recomputed later (measured: up to seconds), so the worker that noticed first also moves
// the group's owner (the thread that will join it) onto the workers' CPU, which the session
// keeps its full share of: the owner then unwinds within milliseconds, and its own code puts
// its CPU mask back (os::ScopedPin).
//
// Invariants:
//   - only worker i writes slots_[i].count, and only while counting_ is true;
//   - stop_ only ever goes from false to true (set by stop() or by a worker that saw Ctrl-C);
//   - after stop() returns, no thread of the group exists (each was joined), on every path,
//     exceptions included;
//   - count(i) read while counting_ is false can be short by at most one unit per worker: one
//     that saw counting_ true just before close_window() finishes its increment after.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "os/sys/futex.h"
#include "os/sys/thread.h"
#include "os/sys/thread_stack.h"

namespace conc::os {

// A fixed amount of pure computation (xorshift rounds): what every "work unit" is. Returns the
// new state so that callers can keep the compiler from dropping the work.
std::uint64_t spin_work(std::uint64_t state, int rounds);

// The padding clang-analyzer counts here is on purpose: gate_ and ready_ each own a cache line
// (every worker reads the one and writes the other), and threads_ must stay last.
class BusyGroup {  // NOLINT(clang-analyzer-optin.performance.Padding)
 public:
  struct Options {
    int threads = 1;
    int cpu = -1;                 // -1: not pinned
    std::size_t stack_bytes = 0;  // 0: the default thread stack
    int rounds_per_unit = 64;     // spin_work rounds between two checks of the flags
    // The thread that will stop and join the group (the lesson's main thread), or 0. When a
    // worker sees Ctrl-C it moves that thread onto `cpu`: see "Ctrl-C" above.
    pid_t owner_tid = 0;
  };
  // A worker asks the kernel whether Ctrl-C is pending once every this many units (a syscall,
  // cheap next to 4096 units of work).
  static constexpr std::uint64_t kSignalCheckUnits = 4096;

  // Throws os::Interrupted when Ctrl-C arrives during creation (after joining what it made).
  explicit BusyGroup(Options options);
  ~BusyGroup();
  BusyGroup(const BusyGroup&) = delete;
  BusyGroup& operator=(const BusyGroup&) = delete;

  int created() const { return static_cast<int>(threads_.size()); }
  // 0, or the pthread_create error that stopped creation at created().
  int create_error() const { return create_error_; }

  // True once every created thread waits at the gate; false after `timeout`. Throws
  // os::Interrupted on Ctrl-C.
  bool wait_ready(std::chrono::milliseconds timeout) const;
  // The tids of the created threads (0 for one not ready yet).
  std::vector<pid_t> tids() const;
  // Each created thread's stack, as the thread itself read it before the gate: what a thread
  // reserves and, with resident_bytes(), what it touched. Empty until every created thread is
  // ready.
  std::vector<StackSpan> stacks() const;

  void start();
  // Sequentially consistent, so that count() read after close_window() cannot be served
  // before the store is visible to the workers (x86 lets a later load pass an earlier store).
  void open_window() { counting_.store(true, std::memory_order_seq_cst); }
  void close_window() { counting_.store(false, std::memory_order_seq_cst); }
  // Units thread i completed inside windows so far.
  std::uint64_t count(std::size_t i) const {
    return slots_[i].count.load(std::memory_order_relaxed);
  }
  // True once the group has been told to stop, or a worker saw Ctrl-C and stopped it.
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  // Idempotent.
  void stop();

 private:
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> count{0};
    std::atomic<pid_t> tid{0};
    StackSpan stack;         // written by the worker before it counts itself ready
    std::uint64_t sink = 0;  // the final state, so the work cannot be optimised away
  };
  void work(Slot& slot);
  void stop_on_signal();

  Options options_;
  std::unique_ptr<Slot[]> slots_;
  alignas(64) FutexWord gate_{0};  // 0 closed, 1 open
  std::atomic<bool> counting_{false};
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<int> ready_{0};
  int create_error_ = 0;
  std::vector<Thread> threads_;  // last: joined by stop() before the slots go away
};

}  // namespace conc::os
