// Lesson `waitgroup` (C38, C39): a child program whose main does not wait for its goroutines,
// run R times and the lines that arrived counted (C38); the same child with a WaitGroup (C39),
// the fork-join drawn as a timeline, and the misuses. Children: children.cpp; timeline and
// misuses: join.cpp; verdict rules: verdicts.cpp.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/waitgroup/waitgroup.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

namespace wg = waitgroup;
using wg::ChildMode;

constexpr int kDefaultGoroutines = 8, kMaxGoroutines = 64;
constexpr int kRuns = 100, kQuickRuns = 20;
// The two stdio modes end the same way every time: a few runs show it.
constexpr int kStdioRuns = 5, kQuickStdioRuns = 3;
// A main that returns at once loses every line on this runtime, run after run: a fifth of the
// runs shows it as well and leaves the time to the two modes the verdicts judge.
constexpr int kAtOnceRuns = 20, kQuickAtOnceRuns = 10;
constexpr int kAddInsideRuns = 20, kQuickAddInsideRuns = 5;
// One work unit; goroutine i works i units, main half of all the goroutines' work together.
constexpr std::int64_t kUnitNs = 50'000;

void explain_claims(LessonContext& ctx, int k) {
  ctx.explain(
      "The claims",
      "C38: if main does not wait for its goroutines, the program can end before they finish. "
      "C39: a WaitGroup gives a deterministic join point: fork the goroutines, then join them.\n\n"
      "A WaitGroup is a counter: add(n) before starting n goroutines, done() at the end of "
      "each, and wait() blocks until the counter is back to zero.\n\n"
      "The experiment: a child process (a forked copy of conc-lab) runs a small program on "
      "conc::rt with 2 worker threads (the OS threads that run goroutines). Its main starts " +
          std::to_string(k) +
          " goroutines; goroutine i computes for i units of ~50 µs, then prints one line. "
          "When main returns, the child exits at once, as a Go program does, whatever its "
          "goroutines were doing. The parent counts the lines that came through the pipe.\n\n"
          "Main does real work of its own (half of all the goroutines' work together) before "
          "it returns, so the outcome depends on timing. A main that returns at once is shown "
          "too: on a cooperative runtime (a goroutine keeps its worker until it blocks or "
          "yields) the goroutines may not even have started, so it prints 0 lines every time. "
          "That looks deterministic, but it is the same race with a different head start.\n\n"
          "The lines are written with write(2), unbuffered, as Go's fmt.Println writes to "
          "os.Stdout. C's stdio buffers a pipe's output: exit() flushes the buffer, _exit() "
          "does not, so lines already \"printed\" can be lost too; two rows show it.");
}

wg::RunsView run_mode(LessonContext& ctx, wg::ChildPlan plan, int runs) {
  wg::RunsView v;
  v.goroutines = plan.goroutines;
  for (int i = 0; i < runs; ++i) {
    LessonContext::check_interrupted();
    const auto r = wg::run_child(plan);
    if (r.lines < 0) {
      ++v.failed;
      ctx.warn(fmt::format("a child ({}) ended abnormally: {}", wg::mode_name(plan.mode), r.ended));
    } else {
      v.lines.push_back(r.lines);
    }
  }
  return v;
}

void add_runs_table(LessonContext& ctx, const std::vector<std::pair<ChildMode, wg::RunsView>>& all,
                    int k) {
  report::Table t;
  t.id = "runs";
  t.title = fmt::format("Lines that arrived per run (of {})", k);
  t.columns = {"the child's main", "runs", "all lines", "fewest", "median", "most"};
  for (const auto& [mode, v] : all) {
    std::vector<double> lines(v.lines.begin(), v.lines.end());
    const auto s = report::summarize(lines);
    t.rows.push_back({std::string(wg::mode_name(mode)), static_cast<std::int64_t>(v.lines.size()),
                      static_cast<std::int64_t>(v.lines.size()) - wg::short_runs(v),
                      static_cast<std::int64_t>(s.min), s.median,
                      static_cast<std::int64_t>(s.max)});
  }
  t.note = "stdio rows: every goroutine printed into a C buffer; _exit() threw it away.";
  ctx.report().add(std::move(t));
}

void add_histogram(LessonContext& ctx, const std::vector<std::pair<ChildMode, wg::RunsView>>& all,
                   int k) {
  report::Table t;
  t.id = "histogram";
  t.title = "Runs by the number of lines that arrived";
  t.columns = {"lines"};
  std::vector<std::vector<int>> hists;
  for (std::size_t m = 0; m < 3 && m < all.size(); ++m) {
    t.columns.push_back(m == 0 ? "main works" : m == 1 ? "returns at once" : "wg.wait()");
    hists.push_back(wg::histogram(all[m].second));
  }
  for (int l = 0; l <= k; ++l) {
    std::vector<report::Value> row{static_cast<std::int64_t>(l)};
    bool any = false;
    for (const auto& h : hists) {
      row.emplace_back(static_cast<std::int64_t>(h[static_cast<std::size_t>(l)]));
      any = any || h[static_cast<std::size_t>(l)] > 0;
    }
    if (any) {
      t.rows.push_back(std::move(row));
    }
  }
  t.note = "Counts of lines no run produced are left out.";
  ctx.report().add(std::move(t));
}

class WaitGroupLesson final : public Lesson {
 public:
  std::string_view name() const override { return "waitgroup"; }
  std::string_view title() const override {
    return "WaitGroup: a main that does not wait loses work; a join point that always holds";
  }
  std::vector<std::string_view> claims() const override { return {"C38", "C39"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--count", goroutines_, "Goroutines the child starts (1-64, default 8)")
        ->type_name("N")
        ->check(whole_number(1, kMaxGoroutines));
  }
  void run(LessonContext& ctx) override;

 private:
  std::vector<std::pair<ChildMode, wg::RunsView>> run_children(LessonContext& ctx,
                                                               wg::ChildPlan plan) const;
  int goroutines_ = kDefaultGoroutines;
};

void WaitGroupLesson::run(LessonContext& ctx) {
  const int k = goroutines_;
  wg::ChildPlan plan;
  plan.goroutines = k;
  plan.unit_rounds = wg::calibrate_unit_rounds(kUnitNs);
  plan.main_units = std::max(1, k * (k + 1) / 4);
  // Each experiment is a part: --step pauses on its section before it runs, and may skip it
  // (the verdicts that rest on it are then missing) or run it again. The child runs are the
  // headline: their section is the claims'.
  std::vector<std::pair<ChildMode, wg::RunsView>> all;
  const bool children_ran = ctx.part([&] {
    explain_claims(ctx, k);
    all = run_children(ctx, plan);
  });

  std::optional<wg::JoinView> join;
  ctx.part([&] {
    ctx.explain("The join point",
                "The same goroutines in this process, with a WaitGroup: main calls add(1) before "
                "each go, each goroutine calls done() when its work is over, and main's wait() "
                "returns when the last done() has brought the counter to zero. Each row is one "
                "goroutine; time runs left to right.");
    join = wg::join_timeline(ctx, k, plan.unit_rounds);
  });

  ctx.part([&] {
    ctx.explain(
        "Misuse",
        "A counter below zero is a bug Go refuses: done() once too often panics. add() called "
        "inside the new goroutine races with wait(): wait() may see the counter at zero before "
        "any goroutine has run, and return at once. Go's race detector (go run -race) reports "
        "that race, and go vet (Go 1.25 and later) flags an Add inside the goroutine it counts; "
        "here the runs below simply count how often wait() returned too early.\n\n"
        "C++ threads have no such quiet end: destroying a std::thread that was never joined or "
        "detached calls std::terminate, which aborts the process. Detaching instead lets the "
        "thread run on while main returns and static objects are destroyed under it, a race "
        "with no error message at all.");
    wg::misuse_experiments(ctx, k, plan.unit_rounds, ctx.size(kAddInsideRuns, kQuickAddInsideRuns));
  });

  if (children_ran) {
    ctx.verdict(wg::judge_c38(all[0].second));
  }
  if (children_ran && join) {
    ctx.verdict(wg::judge_c39(all[2].second, *join));
  }
}

// The child program run in every mode, its table, histogram and the lines of the mode that
// does not wait; in kModes' order.
std::vector<std::pair<ChildMode, wg::RunsView>> WaitGroupLesson::run_children(
    LessonContext& ctx, wg::ChildPlan plan) const {
  const int k = plan.goroutines;
  const int runs = ctx.repeats(kRuns, kQuickRuns);
  const int stdio_runs = ctx.size(kStdioRuns, kQuickStdioRuns);
  const int at_once_runs = std::min(runs, ctx.size(kAtOnceRuns, kQuickAtOnceRuns));
  ctx.progress(
      fmt::format("running the child {} times in 2 ways and {} in a third", runs, at_once_runs));

  constexpr std::array kModes = {ChildMode::forget, ChildMode::return_at_once, ChildMode::wait,
                                 ChildMode::stdio_no_flush, ChildMode::stdio_flush};
  std::vector<std::pair<ChildMode, wg::RunsView>> all;
  all.reserve(kModes.size());
  for (const auto mode : kModes) {
    ctx.progress_step(static_cast<long long>(all.size()), static_cast<long long>(kModes.size()));
    plan.mode = mode;
    const bool stdio = mode == ChildMode::stdio_no_flush || mode == ChildMode::stdio_flush;
    const int mode_runs = stdio                               ? stdio_runs
                          : mode == ChildMode::return_at_once ? at_once_runs
                                                              : runs;
    all.emplace_back(mode, run_mode(ctx, plan, mode_runs));
  }
  add_runs_table(ctx, all, k);
  add_histogram(ctx, all, k);
  const auto& forget = all[0].second;
  ctx.measure("lines_forget", "lines per run, main does not wait", "",
              std::vector<double>(forget.lines.begin(), forget.lines.end()),
              fmt::format("{} runs of the child; main works {} units of ~50 µs, then returns",
                          forget.lines.size(), plan.main_units));
  return all;
}

}  // namespace

std::unique_ptr<Lesson> make_waitgroup_lesson() {
  return std::make_unique<WaitGroupLesson>();
}

}  // namespace conc::lessons
