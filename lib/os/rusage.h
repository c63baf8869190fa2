#pragma once
// getrusage snapshots: context-switch counts prove that a ping-pong really switched, and
// fault counts show when an experiment paid for fresh memory.

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

Rusage rusage_self();      // all threads of this process
Rusage rusage_thread();    // the calling thread only
Rusage rusage_children();  // terminated, waited-for children

}  // namespace conc::os
