#pragma once
// Lesson `locking` (claim C25): the throughput of a shared counter as threads are added, for a
// global mutex, a spinlock, an atomic fetch_add, sharded per-thread counters (padded to a
// cache line and not) and the racy counter; then real work inside the critical section against
// Amdahl's law; then the goroutine version (the runtime's Mutex against a counter owned by one
// goroutine). The verdict rule and Amdahl's formula are pure functions (verdicts.cpp).

#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::locking {

enum class Variant { mutex, spinlock, atomic_add, sharded_padded, sharded_unpadded, racy };
const char* variant_name(Variant v);

// One cell: `threads` threads incrementing for about `seconds`.
struct Cell {
  Variant variant = Variant::mutex;
  int threads = 1;
  double per_second = 0;  // increments per second, all threads together
};
// Runs one cell. `work_inside_ns`/`work_outside_ns` > 0 add arithmetic inside and outside the
// critical section (the "real work" part; only for mutex and spinlock).
struct WorkSpec {
  int inside_steps = 0, outside_steps = 0;  // iterations of the arithmetic loop
};
Cell run_cell(Variant v, int threads, double seconds, const WorkSpec& work = {});
// Steps of the arithmetic loop that take about `ns` on this machine (calibrated).
int steps_for_ns(double ns);

// Amdahl's law: the speed-up of `threads` threads when `serial` (0..1) of the work is serial.
double amdahl(double serial, int threads);

// C25's evidence: speed-ups at the largest thread count, against one thread.
struct ScalingView {
  int cpus = 1;         // P: no speed-up can pass it
  int max_threads = 1;  // the largest thread count measured
  double locked = 0;    // the mutex counter's speed-up at max_threads
  double sharded = 0;   // the padded sharded counter's speed-up at max_threads
};
inline constexpr double kLockedFlat = 1.2;     // at most this: the locked counter did not scale
inline constexpr double kShardedScales = 1.5;  // at least this: the sharded counter scaled
report::ClaimVerdict judge_c25(const ScalingView& v);

// The counters as threads are added (fills `view` for C25); real work inside and outside the
// lock against Amdahl's limit; the same counter in goroutines.
void thread_experiments(LessonContext& ctx, const std::vector<int>& counts, ScalingView& view);
void real_work_experiment(LessonContext& ctx, const std::vector<int>& counts);
void goroutine_experiments(LessonContext& ctx);

}  // namespace conc::lessons::locking
