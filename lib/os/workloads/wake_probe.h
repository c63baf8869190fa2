#pragma once
// Responsiveness, measured the way a user feels it: a thread that sleeps a short period in a
// loop and records how late it wakes. Lateness = when it runs again − when its timer expired:
// the time the timer interrupt, the wake-up and (mostly, on a busy CPU) the wait for a turn
// took. Its timer slack is set to 1 ns so that the kernel's default 50 µs of deliberate
// coalescing does not count as lateness.
//
// Invariant: the sample buffer belongs to the probe thread until stop() has joined it.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "os/sys/thread.h"

namespace conc::os {

class WakeProbe {
 public:
  struct Options {
    int cpu = -1;                        // -1: not pinned
    std::int64_t period_ns = 1'000'000;  // how long each sleep asks for
    std::size_t max_samples = 1 << 16;   // the buffer is allocated before the first sleep
  };

  // Starts the probe thread; a creation failure is kept in create_error() and stop() then
  // returns no samples.
  explicit WakeProbe(Options options);
  ~WakeProbe();
  WakeProbe(const WakeProbe&) = delete;
  WakeProbe& operator=(const WakeProbe&) = delete;

  int create_error() const { return create_error_; }
  // Wake-ups recorded so far; readable while the probe runs.
  std::size_t samples_so_far() const { return recorded_.load(std::memory_order_relaxed); }
  // The probe thread's id once it runs (0 before): for its /proc/<pid>/task/<tid>/schedstat.
  pid_t tid() const { return tid_.load(std::memory_order_acquire); }
  // Ends the loop (within one period plus the lateness) and returns every lateness, in ns.
  std::vector<std::int64_t> stop();

 private:
  void loop();
  Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> recorded_{0};
  std::atomic<pid_t> tid_{0};
  std::vector<std::int64_t> samples_;
  int create_error_ = 0;
  Thread thread_;  // last: joined before the buffer goes away
};

}  // namespace conc::os
