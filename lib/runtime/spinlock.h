#pragma once
// A test-and-test-and-set lock for the runtime's short critical sections (a channel's state, a
// wait queue). Workers are OS threads the kernel may preempt while holding it, so a waiter
// spins briefly and then yields its CPU rather than burning a whole time slice.
//
// Memory ordering: lock() acquires, unlock() releases: everything written before unlock() is
// visible to the next thread whose lock() returns.

#include <sched.h>

#include <atomic>

namespace conc::rt::detail {

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class SpinLock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < 128) {
          cpu_relax();
        } else {
          ::sched_yield();
        }
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  // For park(): releases the lock passed as `arg` once the goroutine is switched out.
  static void unlock_fn(void* arg) { static_cast<SpinLock*>(arg)->unlock(); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace conc::rt::detail
