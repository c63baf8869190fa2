// Lesson `channels` (C32): the Lesson itself. What it runs is in channels.h.

#include <fmt/format.h>

#include "lessons/channels/channels.h"
#include "lessons/common/lesson.h"

namespace conc::lessons {

namespace {

class ChannelsLesson : public Lesson {
 public:
  std::string_view name() const override { return "channels"; }
  std::string_view title() const override {
    return "Channels: passing values instead of sharing memory";
  }
  std::vector<std::string_view> claims() const override { return {"C32"}; }
  void add_options(CLI::App& command) override {
    items_opt_ = command
                     .add_option("--items", items_,
                                 "Values through the pipeline per run (default 100000; "
                                 "--quick 20000)")
                     ->type_name("N")
                     ->check(whole_number(1, 2'000'000));
  }
  void run(LessonContext& ctx) override;

 private:
  std::uint64_t items_ = 100'000;
  CLI::Option* items_opt_ = nullptr;
};

void ChannelsLesson::run(LessonContext& ctx) {
  ctx.explain(
      "The claim",
      "Go's advice is 'do not communicate by sharing memory; share memory by communicating'. "
      "A channel is a typed queue between goroutines (Go's lightweight threads): a send hands "
      "a value over, a receive takes it, and each waits when it must. If goroutines exchange "
      "only values this way, no variable is written by one and read by another, so there is "
      "nothing to lock. A channel's capacity is how many values it holds before a sender must "
      "wait; capacity 0 (unbuffered) means every send waits for its receiver.");
  const bool explicit_items = items_opt_ != nullptr && items_opt_->count() > 0;
  const std::uint64_t items = explicit_items ? items_ : ctx.size<std::uint64_t>(items_, 20'000);
  // Each experiment is a part: --step pauses before it runs (on a line: their sections are
  // written from their results), and may skip it or run it again. C32 rests on the pipeline
  // and the rules together.
  std::vector<channels::PipelineRun> pipeline;
  const bool piped = ctx.part("a pipeline of goroutines over channels of several capacities",
                              [&] { pipeline = channels::pipeline_experiment(ctx, items); });
  LessonContext::check_interrupted();
  ctx.part("one hand-off over an unbuffered channel", [&] { channels::ping_pong_experiment(ctx); });
  LessonContext::check_interrupted();
  std::vector<channels::RuleCase> rules;
  const bool ruled = ctx.part("the rules of close, nil channels and misuse", [&] {
    rules = channels::close_rules_experiment(ctx);
    LessonContext::check_interrupted();
    channels::misuse_experiment(ctx, rules);
  });
  ctx.part("sending a pointer: shared memory again", [&] { channels::pointer_experiment(ctx); });
  if (piped && ruled) {
    ctx.verdict(channels::judge_c32(pipeline, rules));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_channels_lesson() {
  return std::make_unique<ChannelsLesson>();
}

}  // namespace conc::lessons
