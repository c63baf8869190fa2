// Lesson `data-race` (C23, C24): the shared counter on threads (experiments.cpp, counters.cpp),
// then on goroutines (goroutines.cpp) and under the runtime's race detector (detector.cpp); the
// verdicts come last (verdicts.cpp).

#include <fmt/format.h>

#include <algorithm>

#include "lessons/common/lesson.h"
#include "lessons/data_race/data_race.h"

namespace conc::lessons {

namespace {

constexpr int kMaxThreads = 256;
constexpr int kMaxRuns = 100;
constexpr int kDefaultRuns = 10;

class DataRaceLesson final : public Lesson {
 public:
  std::string_view name() const override { return "data-race"; }
  std::string_view title() const override {
    return "Data races: lost updates, why they vary, and the fixes";
  }
  std::vector<std::string_view> claims() const override { return {"C23", "C24"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--threads", threads_,
                   fmt::format("Threads sharing the counter (2-{}; default: the CPUs allowed, "
                               "at least 2)",
                               kMaxThreads))
        ->type_name("N")
        ->check(whole_number(2, kMaxThreads));
    cmd.add_option("--runs", runs_,
                   fmt::format("Runs of each variant (1-{}; default {})", kMaxRuns, kDefaultRuns))
        ->type_name("R")
        ->check(whole_number(1, kMaxRuns));
  }
  void run(LessonContext& ctx) override;

 private:
  int threads_ = 0;  // 0 = the CPUs allowed, at least 2
  int runs_ = kDefaultRuns;
};

void DataRaceLesson::run(LessonContext& ctx) {
  ctx.explain(
      "The claim",
      "Threads that update shared memory without synchronisation give results that change "
      "from run to run: a data race (two threads touch the same memory at the same time, at "
      "least one of them writing, with nothing ordering the two). The fix is to synchronise "
      "the access: make the update indivisible, or stop sharing.");
  const int cpus = static_cast<int>(ctx.allowed_cpus().size());
  const int threads = threads_ > 0 ? threads_ : std::max(2, cpus);
  data_race::RaceView race;
  std::vector<data_race::FixView> fixes;
  // Each experiment is a part: --step pauses before it runs, and may skip it or run it again.
  // The threads' race is the headline (its section comes before the runs); the verdicts rest
  // on it.
  const bool threads_ran = ctx.part([&] {
    race = {};
    race.cpus = cpus;
    fixes.clear();
    data_race::thread_experiments(ctx, threads, runs_, race, fixes);
  });
  LessonContext::check_interrupted();
  // These two explain their runs from the results: the pause names them in a line.
  ctx.part("the race in goroutines: step by step, then on several workers",
           [&] { data_race::goroutine_experiments(ctx); });
  LessonContext::check_interrupted();
  ctx.part("the race detector on the goroutine counter",
           [&] { data_race::detector_experiments(ctx); });
  if (threads_ran) {
    ctx.verdict(data_race::judge_c23(race));
    ctx.verdict(data_race::judge_c24(fixes, race));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_data_race_lesson() {
  return std::make_unique<DataRaceLesson>();
}

}  // namespace conc::lessons
