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
  const std::chrono::milliseconds bound(kDefaultBoundMs);
  // Each experiment is a part: --step pauses before it runs, and may skip it or run it again.
  // Their sections tell what each run saw, so the pause names them in a line. C26 rests on
  // the three threads' parts together.
  bool all_ran = ctx.part("two threads, two locks, opposite orders",
                          [&] { deadlock::opposite_orders_experiment(ctx, bound, view); });
  LessonContext::check_interrupted();
  all_ran = ctx.part("the fixes: one lock order, scoped_lock, back-off", [&] {
    deadlock::fixes_experiment(ctx, bound, view);
  }) && all_ran;
  LessonContext::check_interrupted();
  all_ran = ctx.part(fmt::format("{} dining philosophers, naive then ordered", philosophers_), [&] {
    deadlock::philosophers_experiment(ctx, bound, philosophers_, view);
  }) && all_ran;
  LessonContext::check_interrupted();
  ctx.part("goroutines that deadlock, and the runtime's reports",
           [&] { deadlock::goroutine_experiments(ctx); });
  LessonContext::check_interrupted();
  deadlock::BeyondGoView beyond;
  ctx.part("beyond Go: a partial deadlock", [&] { deadlock::beyond_go(ctx, beyond); });
  if (all_ran) {
    ctx.verdict(deadlock::judge_c26(view));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_deadlock_lesson() {
  return std::make_unique<DeadlockLesson>();
}

}  // namespace conc::lessons
