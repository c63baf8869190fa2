#pragma once
// Lesson `channels` (claim C32: channels pass data so memory need not be shared). A pipeline
// generate -> square -> sum whose goroutines share no variable, over channels of capacity 0,
// 1, 64 and 1024: the exact result every run, the cost per item, and an unbuffered
// ping-pong's latency. Then Go's close rules run live as a table of cases, and the misuse
// cases Go panics on. Those panics are caught by rt::run itself (RunResult::outcome ==
// panic, RunResult::panic_message holds Go's exact message), so they need no child process.
// Verdict rule: verdicts.cpp (pure); experiments: pipeline.cpp and close_rules.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::channels {

// One pipeline capacity, over every repetition.
struct PipelineRun {
  std::size_t capacity = 0;
  int runs = 0;
  int exact_runs = 0;  // runs whose sum equalled the closed form
};

// One case of the close rules: what Go does, what this run did.
struct RuleCase {
  std::string name;      // "recv from closed, drained"
  std::string go_says;   // "0, ok=false"
  std::string observed;  // built from this run
  bool as_go = false;
};

// C32. Contradicted when any pipeline run gave a wrong sum (the channels lost, doubled or
// reordered work); confirmed when every run was exact and every close-rule case behaved as
// Go's; nuanced when the sums were exact but a close rule differed from Go's.
inline constexpr double kExactShareRequired = 1.0;  // every run, not most runs
report::ClaimVerdict judge_c32(const std::vector<PipelineRun>& pipeline,
                               const std::vector<RuleCase>& rules);

// The sum of squares 1..n, the pipeline's exact answer (n(n+1)(2n+1)/6).
std::uint64_t sum_of_squares(std::uint64_t n);

// Experiments (they fill the report through ctx).
std::vector<PipelineRun> pipeline_experiment(LessonContext& ctx, std::uint64_t items);
void ping_pong_experiment(LessonContext& ctx);
std::vector<RuleCase> close_rules_experiment(LessonContext& ctx);
void misuse_experiment(LessonContext& ctx, std::vector<RuleCase>& rules);
void pointer_experiment(LessonContext& ctx);

}  // namespace conc::lessons::channels
