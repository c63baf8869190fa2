// Lesson `deadlock` (C26): threads first (threads.cpp, watched by waits_for.cpp), then
// goroutines and the runtime's reports (goroutines.cpp), then what the runtime finds beyond
// Go (beyond_go.cpp); the verdict last (verdicts.cpp).

#include <fmt/format.h>

#include "lessons/common/lesson.h"
#include "lessons/deadlock/deadlock.h"

namespace conc::lessons {

namespace {

constexpr int kDefaultPhilosophers = 5;
constexpr int kMaxPhilosophers = 32;
constexpr int kDefaultBoundMs = 2000;

class DeadlockLesson final : public Lesson {
 public:
  std::string_view name() const override { return "deadlock"; }
  std::string_view title() const override {
    return "Deadlock: locks taken in opposite orders, detected, recovered and fixed";
  }
  std::vector<std::string_view> claims() const override { return {"C26"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--philosophers", philosophers_,
                   fmt::format("Philosophers at the table (2-{}; default {})", kMaxPhilosophers,
                               kDefaultPhilosophers))
        ->type_name("N")
        ->check(whole_number(2, kMaxPhilosophers));
  }
  void run(LessonContext& ctx) override;

 private:
  int philosophers_ = kDefaultPhilosophers;
};

void DeadlockLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "Locks taken in the wrong order deadlock: each of two threads holds one lock and "
              "waits for the one the other holds, and neither can ever go on. The lesson makes "
              "it happen, finds the cycle, recovers within a bound, and shows the fixes.");
  deadlock::DeadlockView view;
  deadlock::thread_experiments(ctx, std::chrono::milliseconds(kDefaultBoundMs), philosophers_,
                               view);
  LessonContext::check_interrupted();
  deadlock::goroutine_experiments(ctx);
  LessonContext::check_interrupted();
  deadlock::BeyondGoView beyond;
  deadlock::beyond_go(ctx, beyond);
  ctx.verdict(deadlock::judge_c26(view));
}

}  // namespace

std::unique_ptr<Lesson> make_deadlock_lesson() {
  return std::make_unique<DeadlockLesson>();
}

}  // namespace conc::lessons
