#pragma once
// Lesson `c10k`, internal: the goroutine rows (goroutines.cpp). N goroutines on one conc::rt
// worker do the busy threads' work units, yielding cooperatively after each turn.

#include <cstdint>
#include <vector>

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::c10k {

// What one child measured for one N; plain bytes, sent through a pipe.
struct GoroutineFigures {
  int requested = 0, spawned = 0, had_turn = 0;
  bool failed = false;
  std::int64_t window_ns = 0, cpu_ns = 0;
  std::int64_t units = 0, turns = 0, run_ns = 0;
  double gap_median_ns = 0;  // between two turns of one goroutine
  std::int64_t gap_samples = 0;
  double rss_parked = 0;  // VmRSS growth with all spawned and parked, bytes

  double work_per_second() const {
    return window_ns > 0 ? static_cast<double>(units) * 1e9 / static_cast<double>(window_ns) : 0;
  }
  double cpu_share() const {
    return window_ns > 0 ? static_cast<double>(cpu_ns) / static_cast<double>(window_ns) : 0;
  }
  double mean_turn_ns() const {
    return turns > 0 ? static_cast<double>(run_ns) / static_cast<double>(turns) : 0;
  }
  double rss_per_goroutine() const { return spawned > 0 ? rss_parked / spawned : 0; }
};

// N goroutines on one worker pinned to `cpu`, a window of window_ns, turns of turn_ns; in a
// forked child (its memory is its own). `failed` when the child did not report.
GoroutineFigures measure_goroutines(int cpu, int n, std::int64_t window_ns, std::int64_t turn_ns);
void report_goroutines(LessonContext& ctx, const std::vector<GoroutineFigures>& rows,
                       std::int64_t turn_ns, int cpu);

}  // namespace conc::lessons::c10k
