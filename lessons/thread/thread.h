#pragma once
// Lesson `thread` (claims C08-C13): what a thread is, seen from its stack, its memory, the
// kernel's accounts and the scheduler. The verdict rules and the run-interval arithmetic are
// pure functions (thread_verdicts.cpp) so that tests can feed them synthetic observations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::thread {

// C08: what the kernel accounted to one thread (its tid) over the experiment.
struct ThreadAccount {
  std::string role;
  double duty = 0;          // the share of the window the thread tried to compute
  std::int64_t run_ns = 0;  // schedstat: time on a CPU
  long long voluntary = 0, involuntary = 0;
};
// Confirmed when the per-thread CPU times follow the threads' duties (each busier thread got
// more) and the idle one stayed under kIdleMaxShare of the busiest; contradicted when every
// thread shows the same time (within kSameTimeRatio), as if the process were the unit.
inline constexpr double kIdleMaxShare = 0.10;
inline constexpr double kSameTimeRatio = 1.2;
report::ClaimVerdict judge_c08(const std::vector<ThreadAccount>& accounts);

// C09: where one thread's local variable lives.
struct StackView {
  long tid = 0;
  std::uint64_t local = 0;                   // address of a local of the thread's function
  std::uint64_t map_start = 0, map_end = 0;  // the mapping holding it (0, 0 if none)
  std::uint64_t guard_bytes = 0;             // inaccessible mapping right below, 0 if none
};
// Confirmed when every thread's local sits in a mapping of its own with a guard page below;
// nuanced when the mappings are distinct but a guard is missing; contradicted when two
// threads' locals share a mapping or a local is in no mapping.
report::ClaimVerdict judge_c09(const std::vector<StackView>& stacks,
                               std::uint64_t default_stack_bytes);

// C10: one global, written and read by threads and by a forked child.
struct SharingView {
  std::uint64_t writer_address = 0, reader_address = 0, child_address = 0;
  int original = 0, written = 0, reader_saw = 0;
  int child_wrote = 0, parent_saw_after_child = 0;
};
// Confirmed when the reader thread saw the writer thread's value at the same address and the
// forked child's write at that address stayed invisible to the parent; contradicted otherwise.
report::ClaimVerdict judge_c10(const SharingView& v);

// C11: progress per sampling interval while one thread was blocked.
struct ProgressView {
  std::vector<double> worker_active_fraction;  // per worker: intervals with progress / all
  long long blocked_progress_while_blocked = 0;
  long long blocked_progress_after_release = 0;
};
// Confirmed when every worker progressed in at least kMinActiveFraction of the intervals
// while the blocked thread made none, and the blocked thread resumed once released;
// contradicted when a worker made no progress at all; nuanced in between (a busy machine).
inline constexpr double kMinActiveFraction = 0.8;
report::ClaimVerdict judge_c11(const ProgressView& v);

// C12: CPU time of a process with `busy_threads` spinning threads against a process with one,
// both pinned to one CPU, first in the same autogroup, then with the single one in a session
// (autogroup) of its own.
struct ShareView {
  int busy_threads = 4;
  // (CPU time of the many) / (CPU time of the one), each summed over all the round's windows
  double ratio_same_group = 0;
  double ratio_after_setsid = 0;  // the same after setsid() in the single-thread process
  std::optional<bool> autogroup;  // /proc/sys/kernel/sched_autogroup_enabled
  bool groups_split = false;      // /proc/<pid>/autogroup differed after setsid
};
// "Per thread" = ratio within kPerThreadTolerance of busy_threads; "even" = ratio within
// [1/kEvenBand, kEvenBand].
inline constexpr double kPerThreadTolerance = 0.25;
inline constexpr double kEvenBand = 1.5;
report::ClaimVerdict judge_c12(const ShareView& v);

// A busy thread is preempted only at a scheduler tick, so a window of a few ticks holds a few
// turns and its ratio is decided by where the turns fell at its edges. Each C12 window lasts at
// least kMinTicksPerWindow ticks of CONFIG_HZ (kAssumedHz when the config is unreadable).
inline constexpr int kMinTicksPerWindow = 25;
inline constexpr int kAssumedHz = 250;
// The window length in ms: `asked_ms` (0 = not asked), raised to kMinTicksPerWindow ticks at
// `hz` (rounded up to whole ms).
int share_window_ms(int asked_ms, int hz);

// C13: when each thread was on a CPU.
struct RunInterval {
  std::int64_t start_ns = 0, end_ns = 0;
  int cpu = -1;
};
using RunHistory = std::vector<std::vector<RunInterval>>;  // one list per thread
// Nanoseconds within [from, to) during which at least two threads ran at the same time.
std::int64_t parallel_ns(const RunHistory& threads, std::int64_t from, std::int64_t to);
// Nanoseconds thread i ran within [from, to).
std::int64_t run_ns_within(const std::vector<RunInterval>& runs, std::int64_t from,
                           std::int64_t to);
// One row per thread, `columns` characters: the CPU digit where the thread ran for at least
// half the column, '·' where it ran less than that.
std::vector<std::string> cpu_timeline(const RunHistory& threads, std::int64_t from, std::int64_t to,
                                      int columns);

struct ParallelView {
  int threads = 2;
  int cpus = 2;                         // CPUs the threads were free to use
  double pinned_parallel_fraction = 0;  // of the pinned phase
  double pinned_min_run_fraction = 0;   // the least any thread ran, of its fair share
  double free_parallel_fraction = 0;    // of the free phase
  // Free phase: the CPU other programs used most, and the share of it they took (-1, 0 if
  // unknown).
  int busiest_other_cpu = -1;
  double busiest_other_share = 0;
};
// Above this share of a CPU taken by other programs, that CPU was not free for our threads.
inline constexpr double kOtherBusyShare = 0.5;
// Concurrency shown: pinned, every thread ran at least kMinFairShare of its fair share and
// at most kMaxPinnedOverlap of the phase had two running at once. Parallelism shown: free,
// at least kMinFreeOverlap of the phase had two running at once. Both: confirmed; one:
// nuanced; none: contradicted.
inline constexpr double kMinFairShare = 0.25;
inline constexpr double kMaxPinnedOverlap = 0.02;
inline constexpr double kMinFreeOverlap = 0.30;
report::ClaimVerdict judge_c13(const ParallelView& v);

// The live experiments of thread_accounts.cpp (C08, C11), run by the lesson in thread.cpp.
report::ClaimVerdict kernel_accounts_experiment(LessonContext& ctx);
report::ClaimVerdict blocked_thread_experiment(LessonContext& ctx);

// The live experiments of thread_sched.cpp (C12, C13), run by the lesson in thread.cpp. Each
// returns its verdict; the lesson adds the verdicts at its end. `asked_window_ms` 0: the
// smallest window share_window_ms allows.
report::ClaimVerdict cpu_share_experiment(LessonContext& ctx, int busy_threads,
                                          int asked_window_ms);
report::ClaimVerdict parallel_experiment(LessonContext& ctx, int phase_ms);

}  // namespace conc::lessons::thread
