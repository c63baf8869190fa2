#pragma once
// Lesson `c10k` is four files: c10k.cpp (the plan and the verdicts' inputs), c10k_window.cpp
// (one N measured), c10k_report.cpp (the tables and the chart, one function each) and
// c10k_verdicts.cpp (the rules). This header is what the first three share; it is internal to
// the lesson.

#include <cstdint>
#include <optional>
#include <vector>

#include "lessons/c10k/c10k.h"
#include "lessons/common/lesson.h"
#include "os/procfs/sched_window.h"
#include "os/procfs/sysinfo.h"

namespace conc::lessons::c10k {

// One work unit of a busy thread: spin_work of this many rounds (os::BusyGroup).
inline constexpr int kRoundsPerUnit = 64;
// The probe sleeps this long at a time. It arrives on a CPU where N threads already run: its
// first wake-up may wait up to a round (it has no lag credit yet), so its window is one round
// plus the minimum for the steady-state samples, stretched (up to twice) until it has
// kMinProbeSamples wake-ups.
inline constexpr std::int64_t kProbePeriodNs = 1'000'000;
inline constexpr std::size_t kMinProbeSamples = 50;
inline constexpr std::size_t kMaxProbeSamples = 1 << 16;
// After the gate opens, before the window: the N wake-ups land on the run queue.
inline constexpr std::int64_t kSettleNs = 20'000'000;

// The /proc snapshots at a window's ends: each stops reading after kReadBoundShare of its window
// (at least kMinReadBoundNs). Reading a thousand threads' files takes tens of milliseconds of
// CPU, but a reader that waits for its CPU (other programs run there) can take seconds; the
// threads not read by then are left out, and the row is marked.
inline constexpr std::int64_t kMinReadBoundNs = 1'000'000'000;
inline constexpr double kReadBoundShare = 0.25;

struct Settings {
  int cpu = 0;
  int reader_cpu = -1;  // where the /proc reader runs: another allowed CPU, if any
  std::int64_t min_window_ns = 0;
  double turns = 1;
  std::size_t baseline_tasks = 0;  // tasks of this process before any group
};

struct Windows {
  std::int64_t busy_ns = 0, probe_ns = 0;  // probe_ns 0: no probe
};

// Wall time of each part of one N's measurement (monotonic clock), so that a run that took
// longer than planned can say where the time went. The windows are planned; everything else
// (creating and joining threads, reading /proc) depends on how much CPU this process gets.
struct PartTimes {
  std::int64_t create_ns = 0;      // creating the threads and waiting until all are at the gate
  std::int64_t create_cpu_ns = 0;  // CPU time the creating thread used for it
  std::int64_t open_ns = 0;        // opening their /proc files (before the gate opens)
  std::int64_t busy_ns = 0;        // the busy window, its two snapshots included
  std::int64_t busy_read_ns = 0;   // of which reading /proc at its two ends
  std::int64_t probe_ns = 0;       // the probe window: creation, stretch and snapshots included
  std::int64_t probe_read_ns = 0;  // of which reading /proc at its two ends
  std::int64_t read_cpu_ns = 0;    // CPU time the reading thread used for all those reads
  std::int64_t stop_ns = 0;        // stopping and joining the busy threads and the probe
  std::int64_t stop_cpu_ns = 0;    // CPU time the joining thread used for it
  std::int64_t settle_ns = 0;      // waiting for the joined threads to leave /proc
  std::int64_t total_ns = 0;       // all of measure_one
};

// Everything measured for one N.
struct Row {
  int requested = 0, created = 0, error = 0;
  bool ready = false;
  std::int64_t window_ns = 0, probe_window_ns = 0;
  os::WindowStats stats;
  int progressed = 0;                         // threads that finished a work unit in the window
  std::vector<double> thread_turns_ns;        // each thread's run ÷ its turns (if it had one)
  std::optional<std::int64_t> se_slice_ns;    // a worker's se.slice (EEVDF kernels)
  int probe_error = 0;                        // the probe thread could not be created
  std::optional<std::int64_t> first_wake_ns;  // the probe's first wake-up after arriving
  std::vector<std::int64_t> lateness_ns;      // every later wake-up
  // The second window: the busy threads' mean turn while the sleeper ran beside them, and
  // the sleeper's own run-queue wait (schedstat run_delay) per wake-up over the same span,
  // beside its mean lateness (first wake-up included) over those wake-ups.
  std::optional<double> turn_with_sleeper_ns;
  std::optional<double> probe_run_delay_ns;
  double probe_mean_late_ns = 0;
  long left_behind = 0;                          // tasks left after every thread was joined
  double stack_reserved = 0, stack_touched = 0;  // per thread, medians over the threads
  // Threads left out of a window because its /proc snapshots ran out of time (kReadBound...):
  // the busy window's figures, and the turns of the window with the sleeper, cover the rest.
  int unread = 0, probe_unread = 0;
  PartTimes took;

  double work_per_second() const { return stats.work_per_second(); }
  double work_per_cpu_second() const { return stats.work_per_cpu_second().value_or(0); }
  // Σ run ÷ Σ turns over all threads; nullopt for a lone thread (no one to switch to).
  std::optional<double> mean_turn_ns() const {
    return created >= 2 ? stats.mean_slice_ns() : std::nullopt;
  }
  // Threads the /proc reads reached, and how many of those had a turn in the window.
  int read() const { return created - unread; }
  int ran() const { return static_cast<int>(thread_turns_ns.size()); }
  // Enough threads read for their mean turn to stand for the N (see kMinReadShare).
  bool enough_read() const { return read() >= kMinReadShare * created; }
};

// N busy threads on s.cpu, a busy window, then (if w.probe_ns > 0) a probe window; every
// thread joined before it returns. Throws os::Interrupted on Ctrl-C.
Row measure_one(const Settings& s, int n, Windows w);
// Tasks of this process now.
std::size_t tasks_now();

// What the tables need besides the rows.
struct RunFacts {
  int cpu = 0;
  os::SystemInfo info;
  std::size_t baseline = 0;      // the row that work per CPU-second and C20 are relative to
  bool baseline_trusted = true;  // its workers had at least kMinCpuShare of the CPU
};

// "EAGAIN: Resource temporarily unavailable".
std::string error_name(int err);

// p-th percentile (0..100) of the samples; 0 for none.
double percentile(const std::vector<std::int64_t>& samples, double p);

void report_measurements(LessonContext& ctx, const std::vector<Row>& rows, int cpu);
void report_slices(LessonContext& ctx, const std::vector<Row>& rows, const os::SystemInfo& info);
void report_cost(LessonContext& ctx, const std::vector<Row>& rows, const RunFacts& facts);
void report_creation(LessonContext& ctx, const std::vector<Row>& rows, int cpu);
void report_chart(LessonContext& ctx, const std::vector<Row>& rows);
void explain_meaning(LessonContext& ctx, const std::vector<Row>& rows, const RunFacts& facts);
// The busy-only window beside the window with the 1 ms sleeper, and the sleeper's lateness
// split into run-queue wait and the rest (windows_report.cpp).
void report_windows(LessonContext& ctx, const std::vector<Row>& rows, int cpu);

// timing_report.cpp: each N's planned windows against the wall time each part took, and the
// part that overran most with its cause.
void report_timing(LessonContext& ctx, const std::vector<Row>& rows, int reader_cpu);

// io_bound.cpp: C20's I/O-bound load at rising N on `cpu`; adds its table and returns the row
// with the most threads (nullopt when not even one thread could be started).
std::optional<IoBoundPoint> measure_io_bound(LessonContext& ctx, int cpu);

}  // namespace conc::lessons::c10k
