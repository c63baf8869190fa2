// Lesson `locking` (C25): the counters on threads (experiments.cpp, counters.cpp), then on
// goroutines (goroutines.cpp); the verdict last (verdicts.cpp).

#include <fmt/format.h>

#include "lessons/common/lesson.h"
#include "lessons/locking/locking.h"

namespace conc::lessons {

namespace {

constexpr int kMaxThreads = 64;
constexpr int kMaxCounts = 8;
constexpr const char* kDefaultCounts = "1,2,4,8";
const std::vector<int> kDefaultCountList = {1, 2, 4, 8};

class LockingLesson final : public Lesson {
 public:
  std::string_view name() const override { return "locking"; }
  std::string_view title() const override {
    return "Locking: why a locked counter does not scale, and what does";
  }
  std::vector<std::string_view> claims() const override { return {"C25"}; }
  void add_options(CLI::App& cmd) override {
    add_count_list_option(
        cmd, "--thread-counts", counts_, 1, kMaxThreads,
        fmt::format("Thread counts to measure, one after the other (default {})", kDefaultCounts),
        kMaxCounts);
  }
  void run(LessonContext& ctx) override;

 private:
  std::vector<int> counts_;  // empty: kDefaultCountList
};

void LockingLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "Locks can reduce parallelism: code inside a lock runs one thread at a time, so "
              "adding threads to work that is mostly locked adds waiting, not speed. The lesson "
              "counts with several kinds of counter as threads are added.");
  const std::vector<int> counts = counts_.empty() ? kDefaultCountList : counts_;
  locking::ScalingView view;
  // Each experiment is a part: --step pauses before it runs, and may skip it or run it again.
  // The counters are the headline (their section comes first); C25 rests on them. The other
  // two explain their runs in a table's note: the pause names them in a line.
  const bool counters_ran = ctx.part([&] { locking::thread_experiments(ctx, counts, view); });
  LessonContext::check_interrupted();
  ctx.part("real work inside and outside the lock, against Amdahl's law",
           [&] { locking::real_work_experiment(ctx, counts); });
  LessonContext::check_interrupted();
  ctx.part("the same counter in goroutines: a mutex, or one owner",
           [&] { locking::goroutine_experiments(ctx); });
  if (counters_ran) {
    ctx.verdict(locking::judge_c25(view));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_locking_lesson() {
  return std::make_unique<LockingLesson>();
}

}  // namespace conc::lessons
