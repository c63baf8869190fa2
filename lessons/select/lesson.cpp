// Lesson `select` (C36): the Lesson itself. What it runs is in select.h.

#include <optional>
#include <vector>

#include "lessons/common/lesson.h"
#include "lessons/select/select.h"

namespace conc::lessons {

namespace {

class SelectLesson : public Lesson {
 public:
  std::string_view name() const override { return "select"; }
  std::string_view title() const override {
    return "select: many channels into one flow, timeouts, non-blocking tries, fairness";
  }
  std::vector<std::string_view> claims() const override { return {"C36"}; }
  void add_options(CLI::App& command) override {
    command
        .add_option("--selects", selects_,
                    "Selects in the fairness histogram (default 10000, also with --quick)")
        ->type_name("N")
        ->check(whole_number(100, 10'000'000));
    per_producer_opt_ = command
                            .add_option("--values", per_producer_,
                                        "Values each of the 3 producers sends (default 10000; "
                                        "--quick 2000)")
                            ->type_name("N")
                            ->check(whole_number(1, 1'000'000));
  }
  void run(LessonContext& ctx) override;

 private:
  int selects_ = 10'000;
  int per_producer_ = 10'000;
  CLI::Option* per_producer_opt_ = nullptr;
};

void SelectLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "A goroutine that waits on one channel cannot notice anything else. select waits on "
              "several channel operations at once and carries out the first that can proceed: it "
              "merges many inputs into one flow, puts a deadline on a wait (a case on a timer "
              "channel), or turns a wait into a try (a `default` case runs when nothing is ready). "
              "When several cases are ready at once, Go picks one uniformly at random, so that no "
              "input can starve the others.");
  const bool explicit_values = per_producer_opt_ != nullptr && per_producer_opt_->count() > 0;
  const int per_producer = explicit_values ? per_producer_ : ctx.size(per_producer_, 2'000);
  // Each experiment is a part: --step pauses before it runs (on a line: their sections are
  // written from their results), and may skip it or run it again. C36 rests on both.
  std::vector<select::SelectCase> cases;
  const bool merged = ctx.part("select over 3 producers, a timer and a default case",
                               [&] { cases = select::multiplex_experiment(ctx, per_producer); });
  LessonContext::check_interrupted();
  std::optional<select::FairnessView> fair;
  ctx.part("fairness: which of several ready cases select picks",
           [&] { fair = select::fairness_experiment(ctx, selects_); });
  if (merged && fair) {
    ctx.verdict(select::judge_c36(cases, *fair));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_select_lesson() {
  return std::make_unique<SelectLesson>();
}

}  // namespace conc::lessons
