#pragma once
// Lesson `sync` (claim C37: the sync package gives mutexes, condition variables and more; and
// C27, Go's toolset is goroutines, channels, select and sync, judged here as a definition).
// Each primitive of conc::rt's sync package runs on goroutines with its guarantee checked and
// its cost measured: Mutex (a shared counter), RWMutex against a plain Mutex on a read-heavy
// workload, Cond as a bounded producer-consumer queue, Once with 10,000 goroutines, WaitGroup
// joining them all. Go's misuse messages come from a child process: unlocking an unlocked
// mutex is a fatal error that ends the process, as in Go. A tiny program then uses each tool
// of C27 once. Verdict rules: verdicts.cpp (pure); experiments: locks.cpp, cond_once.cpp,
// misuse.cpp, toolset.cpp.

#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::sync {

// One primitive: its guarantee, whether it held in every run, and its cost.
struct Guarantee {
  std::string primitive;  // "Mutex"
  std::string promise;    // "one holder at a time"
  std::string observed;   // "400,000 of 400,000 increments"
  bool held = false;
  double ns_per_op = 0;  // median
  std::string op;        // "lock+unlock"
};

// RWMutex against Mutex on the same read-heavy work, in the same run.
struct ReadHeavy {
  double rw_ns_per_read = 0;
  double mutex_ns_per_read = 0;
  int workers = 0;  // worker threads the readers ran on
};

// One misuse run in a child: what it printed first and how it ended.
struct MisuseCase {
  std::string name;
  std::string go_prints;  // Go's first line
  std::string printed;    // the child's first line on stderr ("" if none)
  std::string exit_text;  // "exit 2"
  bool as_go = false;     // same first line, exit status 2
};

// RWMutex pays on this machine when readers together finish at least this much faster than
// with a plain Mutex (ratio of the Mutex's time per read to the RWMutex's).
inline constexpr double kRwPaysFrom = 1.1;

// C37. Contradicted when a guarantee failed (a lost increment, a torn read, a queue overfull
// or an item lost, Once running twice or a caller not seeing it, WaitGroup returning early);
// nuanced when all held but a misuse message differed from Go's or the RWMutex did not pay
// (ratio below kRwPaysFrom: readers could not overlap, e.g. on one CPU); confirmed otherwise.
report::ClaimVerdict judge_c37(const std::vector<Guarantee>& guarantees, const ReadHeavy& reads,
                               const std::vector<MisuseCase>& misuse);

// C27: the four tools, each used by this run and whether it did its job.
struct ToolUse {
  std::string tool;  // "goroutines"
  bool used = false;
  bool worked = false;
  std::string what;  // what this run did with it
};
// Confirmed when each of goroutines, channels, select and sync was used and worked; could not
// judge (not_judged) otherwise, naming the missing or failing tool: a definition is not
// refuted by a run that did not exercise it.
report::ClaimVerdict judge_c27(const std::vector<ToolUse>& tools);

// ---- experiments (they fill the report through ctx) --------------------------------------

Guarantee mutex_experiment(LessonContext& ctx, int increments);
std::pair<Guarantee, ReadHeavy> read_heavy_experiment(LessonContext& ctx, int reads);
Guarantee cond_queue_experiment(LessonContext& ctx, int items);
std::pair<Guarantee, Guarantee> once_experiment(LessonContext& ctx, int goroutines);
std::vector<MisuseCase> misuse_experiment(LessonContext& ctx);
std::vector<ToolUse> toolset_check(LessonContext& ctx);

}  // namespace conc::lessons::sync
