// Lesson `sync` (C37, and C27 as a definition): the Lesson itself. What it runs is in sync.h.

#include <fmt/format.h>

#include "lessons/common/lesson.h"
#include "lessons/sync/sync.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

class SyncLesson : public Lesson {
 public:
  std::string_view name() const override { return "sync"; }
  std::string_view title() const override {
    return "The sync package: Mutex, RWMutex, Cond, Once, WaitGroup on goroutines";
  }
  std::vector<std::string_view> claims() const override { return {"C27", "C37"}; }
  void add_options(CLI::App& command) override {
    command
        .add_option("--goroutines", goroutines_,
                    "Goroutines calling one Once together (default 10000, also with --quick)")
        ->type_name("N")
        ->check(whole_number(2, 100'000));
  }
  void run(LessonContext& ctx) override;

 private:
  void guarantee_table(LessonContext& ctx, const std::vector<sync::Guarantee>& all);
  int goroutines_ = 10'000;
};

void SyncLesson::run(LessonContext& ctx) {
  ctx.explain(
      "The claim",
      "Channels are not the only way goroutines cooperate. Go's sync package has the classic "
      "tools: a Mutex (mutual exclusion: one holder at a time), an RWMutex (many readers or "
      "one writer), a Cond (a condition variable: sleep until another goroutine signals that "
      "something changed), Once (run an initialisation exactly once, however many callers) and "
      "a WaitGroup (wait until a counted set of goroutines is done). Each comes with a "
      "guarantee; below, each is run on goroutines with its guarantee checked in every run and "
      "its cost measured.");
  // Each experiment is a part: --step pauses before it runs (on a line: their sections are
  // written from their results), and may skip it or run it again.
  std::vector<sync::Guarantee> all;
  sync::ReadHeavy reads;
  const bool guarantees_ran =
      ctx.part("each tool run on goroutines, its guarantee checked and its cost timed", [&] {
        all.clear();
        all.push_back(sync::mutex_experiment(ctx, ctx.size(100'000, 20'000)));
        auto read_heavy = sync::read_heavy_experiment(ctx, ctx.size(20'000, 5'000));
        all.push_back(read_heavy.first);
        reads = read_heavy.second;
        all.push_back(sync::cond_queue_experiment(ctx, ctx.size(50'000, 10'000)));
        auto once_and_wg = sync::once_experiment(ctx, goroutines_);
        all.push_back(once_and_wg.first);
        all.push_back(once_and_wg.second);
        guarantee_table(ctx, all);
      });
  LessonContext::check_interrupted();
  std::vector<sync::MisuseCase> misuse;
  const bool misuse_ran = ctx.part("the tools misused: what the runtime says",
                                   [&] { misuse = sync::misuse_experiment(ctx); });
  LessonContext::check_interrupted();
  std::vector<sync::ToolUse> tools;
  const bool tools_ran = ctx.part("Go's toolset, each tool used once in one small program", [&] {
    tools = sync::toolset_check(ctx);
    report::Table t{"toolset",
                    "Go's toolset, each tool used once in one small program",
                    {"tool", "worked", "what this run did"},
                    {},
                    ""};
    for (const auto& tool : tools) {
      t.rows.push_back({tool.tool, std::string(tool.worked ? "yes" : "NO"), tool.what});
    }
    ctx.report().add(std::move(t));
  });
  if (tools_ran) {
    ctx.verdict(sync::judge_c27(tools));
  }
  if (guarantees_ran && misuse_ran) {
    ctx.verdict(sync::judge_c37(all, reads, misuse));
  }
}

void SyncLesson::guarantee_table(LessonContext& ctx, const std::vector<sync::Guarantee>& all) {
  report::Table t{"guarantees",
                  "Each primitive's guarantee, checked in every run, and its cost",
                  {"primitive", "guarantee", "this run", "cost"},
                  {},
                  ""};
  std::string per;
  for (const auto& g : all) {
    t.rows.push_back({g.primitive, g.promise, g.observed, report::format_ns(g.ns_per_op)});
    per += fmt::format("{}{} per {}", per.empty() ? "" : ", ", g.primitive, g.op);
  }
  t.note = fmt::format("Cost is the median time: {}.", per);
  ctx.report().add(std::move(t));
}

}  // namespace

std::unique_ptr<Lesson> make_sync_lesson() {
  return std::make_unique<SyncLesson>();
}

}  // namespace conc::lessons
