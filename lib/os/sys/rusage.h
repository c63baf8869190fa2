#pragma once
// getrusage snapshots: context-switch counts prove that a ping-pong really switched, and
// fault counts show when an experiment paid for fresh memory.

#include <cstdint>

namespace conc::os {

struct Rusage {
  long voluntary_switches = 0;    // ru_nvcsw: gave up the CPU (blocked, slept, yielded)
  long involuntary_switches = 0;  // ru_nivcsw: preempted
  long minor_faults = 0;
  long max_rss_kib = 0;
  double user_s = 0, system_s = 0;

  long switches() const { return voluntary_switches + involuntary_switches; }
  Rusage operator-(const Rusage& earlier) const;
};

// One thread's clocks and switch counters at one instant, read with raw calls only (nothing
// thrown, nothing allocated): for a thread that must not throw, and for a child after fork().
// A failed call leaves its fields at 0. The difference of two samples is a window.
struct ThreadSample {
  std::int64_t wall_ns = 0;       // CLOCK_MONOTONIC
  std::int64_t cpu_ns = 0;        // CLOCK_THREAD_CPUTIME_ID
  long voluntary_switches = 0;    // ru_nvcsw (RUSAGE_THREAD)
  long involuntary_switches = 0;  // ru_nivcsw

  ThreadSample operator-(const ThreadSample& earlier) const;
};
ThreadSample sample_this_thread() noexcept;

Rusage rusage_self();      // all threads of this process
Rusage rusage_thread();    // the calling thread only
Rusage rusage_children();  // terminated, waited-for children

}  // namespace conc::os
