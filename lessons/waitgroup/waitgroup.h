#pragma once
// Lesson `waitgroup` (claims C38, C39): a main that does not wait for its goroutines loses
// their work when the process ends (C38); a WaitGroup gives a join point, so every run
// delivers everything (C39). The children are forked copies of this process that run a
// small goroutine program and end the way a Go program ends: the process exits when main
// returns. The verdict rules are pure functions (verdicts.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::waitgroup {

// How the child program's main ends.
enum class ChildMode {
  forget,          // starts K goroutines, does its own work, returns without waiting
  return_at_once,  // starts K goroutines and returns at once
  wait,            // starts K goroutines, does its own work, wg.wait(), returns
  stdio_no_flush,  // as `wait`, lines through a buffered FILE, then _exit: nothing flushed
  stdio_flush,     // as `stdio_no_flush`, but fflush before _exit (what exit() would do)
};
const char* mode_name(ChildMode mode);

struct ChildPlan {
  ChildMode mode = ChildMode::forget;
  int goroutines = 8;             // K
  int workers = 2;                // the runtime's worker threads in the child
  std::uint64_t unit_rounds = 0;  // spin_work rounds of one work unit
  int main_units = 0;             // main's own work, in units
};

// One run: the lines that arrived through the pipe (-1 when the child failed), and how it ended.
struct ChildRun {
  int lines = -1;
  std::string ended;  // "exit 0", "killed by SIGABRT"
};
// Forks a child running the plan, reads its lines and reaps it (bounded; Ctrl-C kills it).
ChildRun run_child(const ChildPlan& plan);

// The C++ contrast: a std::thread still joinable when its owner's scope ends.
struct TerminateRun {
  std::string ended;        // "killed by SIGABRT"
  std::string stderr_text;  // what the C++ runtime printed
};
TerminateRun run_joinable_thread_child();

// What R runs of one child mode delivered: lines per run.
struct RunsView {
  int goroutines = 0;      // K
  std::vector<int> lines;  // one entry per completed run
  int failed = 0;          // children that did not end normally
};
// Runs that delivered fewer than K lines, and distinct line counts seen.
int short_runs(const RunsView& v);
int distinct_counts(const RunsView& v);

// A verdict needs at least this many completed runs.
inline constexpr int kMinRuns = 5;

// C38: contradicted when every run of the forgetting child delivered all K lines; confirmed
// when some runs lost lines and the number delivered varied from run to run; nuanced when lines
// were lost but the same number every run (it looks deterministic, yet depends on scheduling).
report::ClaimVerdict judge_c38(const RunsView& forget);

// The in-process fork-join run that draws the timeline.
struct JoinView {
  int goroutines = 0;
  int finished_before_wait_returned = 0;
  bool wait_returned_after_last_done = false;
};
// C39: contradicted when a WaitGroup run lost a line or wait() returned before a done();
// confirmed when every run delivered all K lines and wait() returned after the last done().
report::ClaimVerdict judge_c39(const RunsView& with_wait, const JoinView& join);

// A histogram of line counts 0..K as a table-ready list: runs per count.
std::vector<int> histogram(const RunsView& v);

// The live parts (children.cpp, join.cpp), run by lesson.cpp.
// `units` work units of pure arithmetic, each unit_rounds os::spin_work rounds.
void work_units(std::uint64_t unit_rounds, int units);
std::uint64_t calibrate_unit_rounds(std::int64_t unit_ns);
JoinView join_timeline(LessonContext& ctx, int goroutines, std::uint64_t unit_rounds);
void misuse_experiments(LessonContext& ctx, int goroutines, std::uint64_t unit_rounds, int runs);

}  // namespace conc::lessons::waitgroup
