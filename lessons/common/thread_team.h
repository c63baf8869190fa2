#pragma once
// A team of threads started together: each is created, pinned if asked, and waits at a start
// line; the clock starts when the last one is ready and the whole team is released at once, so
// thread creation is not part of what is timed. Used by the hazard lessons (data-race, locking)
// to run the same body on N threads.

#include <functional>
#include <string>

namespace conc::lessons {

struct TeamResult {
  int started = 0;     // threads that ran the body (fewer than asked when a limit was hit)
  int error = 0;       // errno of the failed thread creation, 0 when all started
  double seconds = 0;  // from the release to the last thread's end
};

// Runs body(i) on `threads` threads (i = 0..threads-1); every thread is pinned to `pin_cpu`
// when it is >= 0. Joins every thread before returning, on every path.
TeamResult run_team(int threads, int pin_cpu, const std::function<void(int)>& body);

}  // namespace conc::lessons
