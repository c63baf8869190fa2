#pragma once
// Lesson `data-race` (claims C23, C24): threads adding 1 to a shared counter lose updates, a
// different number each run; run on one CPU they lose rarely but in large bites; a mutex, an
// atomic fetch_add and per-thread counters are exact. Then the same on goroutines: the
// interleaving step by step, and the runtime's race detector. The verdict rules are pure
// functions (verdicts.cpp).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::data_race {

// One run of a counter variant: T threads each adding 1, M times.
struct CounterRun {
  std::int64_t expected = 0;   // threads started × M
  std::int64_t got = 0;        // the counter's final value
  std::int64_t rollbacks = 0;  // times a thread found the counter below what it had stored
  double seconds = 0;          // wall time from the start signal to the last thread's end
  std::int64_t lost() const { return expected - got; }
};

// The racy increment, m times: a relaxed load, then a relaxed store of the value plus one.
// A rollback is a load that found less than this thread had stored last: another thread,
// paused between its load and its store, wrote back a stale value.
struct RacyAdds {
  std::int64_t rollbacks = 0;
  std::int64_t last_store = 0;
};
RacyAdds racy_adds(std::atomic<std::int64_t>& counter, std::int64_t m);
// The rollbacks of a run: those the threads saw, plus one for each thread whose last store is
// above the final value (erased after it stopped loading, so it could not see it).
std::int64_t rollbacks_in(const std::vector<RacyAdds>& each, std::int64_t final_value);

// The counter variants, in the order the lesson shows them.
enum class Variant { racy, mutex, atomic_add, per_thread };
const char* variant_name(Variant v);

struct CounterSetup {
  int threads = 2;
  std::int64_t per_thread = 0;  // M
  int pin_cpu = -1;             // >= 0: every thread on this one CPU
};
// Runs one variant once. Threads that could not be started are left out of `expected`.
CounterRun run_counter(Variant v, const CounterSetup& setup);

// C23 from the racy runs. `free_runs` ran on `cpus` CPUs; `pinned_runs` on one.
struct RaceView {
  std::vector<CounterRun> free_runs;
  std::vector<CounterRun> pinned_runs;
  int cpus = 1;
};
// Runs that lost something, and how many distinct results the runs gave.
inline constexpr int kMinDistinctResults = 2;
report::ClaimVerdict judge_c23(const RaceView& v);

// C24 from the fixes: every run of every fix exact, against the racy runs.
struct FixView {
  std::string name;
  std::vector<CounterRun> runs;
};
report::ClaimVerdict judge_c24(const std::vector<FixView>& fixes, const RaceView& race);

// The goroutine parts (goroutines.cpp).
struct Interleaving {
  std::vector<std::string> steps;  // "1. A reads 41"
  std::int64_t lost = 0;
};
// Two goroutines on a one-worker runtime: load; yield; store.
Interleaving step_by_step(std::int64_t start_value);
// `goroutines` goroutines adding 1 `per_goroutine` times on `workers` workers, racily.
CounterRun goroutine_counter(int goroutines, std::int64_t per_goroutine, int workers);

void thread_experiments(LessonContext& ctx, int threads, int runs, RaceView& race,
                        std::vector<FixView>& fixes);
void goroutine_experiments(LessonContext& ctx);
// The runtime's race detector on the goroutine counter (detector.cpp).
void detector_experiments(LessonContext& ctx);

}  // namespace conc::lessons::data_race
