// --step over scripted keys: pauses at each section before its experiment runs, Enter goes on,
// s skips a part, r runs it again (its first run replaced), q ends the lesson; where a lesson
// marks no part, r and s say so and the pause goes on waiting. Also the tour's pure parts.

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <filesystem>

#include "lessons/common/lesson.h"
#include "lessons/common/progress.h"
#include "lessons/common/tour.h"
#include "report/text_layout.h"

using namespace conc;
using lessons::StepKey;

namespace {

// A lesson with a plain section and two parts, each counting how often its experiment ran.
class TwoParts : public lessons::Lesson {
 public:
  std::string_view name() const override { return "two-parts"; }
  std::string_view title() const override { return "two parts"; }
  std::vector<std::string_view> claims() const override { return {}; }
  void run(lessons::LessonContext& ctx) override {
    ctx.explain("Intro", "no experiment here");
    ctx.part([&] {
      ctx.explain("First", "first experiment");
      ++first_runs;
      ctx.measure("first_ns", "first", "ns", {static_cast<double>(first_runs)}, "counted");
    });
    ctx.part([&] {
      ctx.explain("Second", "second experiment");
      ++second_runs;
      ctx.measure("second_ns", "second", "ns", {1.0}, "counted");
    });
    ctx.verdict({"C0", report::Verdict::confirmed, "it ran", "always"});
  }
  int first_runs = 0;
  int second_runs = 0;
};

// A part whose section is written from its results (LessonContext::part with a line), and a
// part whose explaining sections come after its figures.
class LinedPart : public lessons::Lesson {
 public:
  std::string_view name() const override { return "lined-part"; }
  std::string_view title() const override { return "lined part"; }
  std::vector<std::string_view> claims() const override { return {}; }
  void run(lessons::LessonContext& ctx) override {
    ctx.explain("Intro", "no experiment here");
    ran = ctx.part("the ring of tasks", [&] {
      ++runs;
      ctx.measure("ring_ns", "ring", "ns", {static_cast<double>(runs)}, "counted");
      ctx.explain("Ring results", "written from the figures");
      ctx.explain("Ring, more", "still the same part");
    });
  }
  int runs = 0;
  bool ran = false;
};

struct Script {
  std::deque<StepKey> keys;
  std::string screen;
  std::vector<std::string> prompts;
};

std::shared_ptr<lessons::StepPresenter> presenter(Script& s, int page_lines = 0) {
  lessons::StepIo io;
  io.read_key = [&s](const std::string& prompt) -> std::optional<StepKey> {
    s.prompts.push_back(prompt);
    if (s.keys.empty()) {
      return std::nullopt;
    }
    const StepKey k = s.keys.front();
    s.keys.pop_front();
    return k;
  };
  io.write = [&s](const std::string& text) { s.screen += text; };
  io.page_lines = page_lines;
  return std::make_shared<lessons::StepPresenter>(std::move(io), report::TextStyle::plain(80));
}

report::Report run(lessons::Lesson& lesson, Script& s, int page_lines = 0) {
  lessons::CommonOptions options;
  options.step = true;
  options.step_presenter = presenter(s, page_lines);
  return lessons::run_lesson(lesson, options);
}

}  // namespace

TEST_SUITE("step") {
  TEST_CASE("Enter at every pause: each section paused on before its experiment ran") {
    TwoParts lesson;
    Script s;
    // Intro, First (before), First (after), Second (before), Second (after), the end.
    s.keys.assign(6, StepKey::next);
    lessons::CommonOptions options;
    options.step = true;
    options.step_presenter = presenter(s);
    auto inner = options.step_presenter;
    lessons::run_lesson(lesson, options);
    CHECK(inner->pauses() == 6);
    CHECK(s.keys.empty());
    CHECK(lesson.first_runs == 1);
    CHECK(lesson.second_runs == 1);
    CHECK(s.screen.find("first experiment") < s.screen.find("Second"));
    CHECK(s.screen.find("it ran") != std::string::npos);  // the verdict, at the end
  }

  TEST_CASE("the pause on a section comes before that section's experiment runs") {
    TwoParts lesson;
    lessons::StepIo io;
    int runs_when_first_asked = -1;
    int asked = 0;
    io.read_key = [&](const std::string&) -> std::optional<StepKey> {
      if (++asked == 2) {  // the pause on "First"
        runs_when_first_asked = lesson.first_runs;
      }
      return StepKey::next;
    };
    io.write = [](const std::string&) {};
    lessons::CommonOptions options;
    options.step_presenter =
        std::make_shared<lessons::StepPresenter>(std::move(io), report::TextStyle::plain(80));
    lessons::run_lesson(lesson, options);
    CHECK(runs_when_first_asked == 0);
  }

  TEST_CASE("s at a part's section skips it and says so in the report") {
    TwoParts lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::skip, StepKey::next, StepKey::next, StepKey::next};
    const auto r = run(lesson, s);
    CHECK(lesson.first_runs == 0);
    CHECK(lesson.second_runs == 1);
    CHECK(r.find_measurement("first_ns") == nullptr);
    REQUIRE(r.warnings.size() >= 1);
    CHECK(r.warnings.back().find("Skipped at your request") != std::string::npos);
  }

  TEST_CASE("r after a part runs it again, and the report keeps the second run only") {
    TwoParts lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::next, StepKey::rerun, StepKey::next,
              StepKey::next, StepKey::next, StepKey::next};
    const auto r = run(lesson, s);
    CHECK(lesson.first_runs == 2);
    REQUIRE(r.find_measurement("first_ns") != nullptr);
    CHECK(r.find_measurement("first_ns")->stats.median == 2);
    std::size_t firsts = 0;
    for (const auto& m : r.measurements) {
      firsts += m.id == "first_ns" ? 1 : 0;
    }
    CHECK(firsts == 1);
  }

  TEST_CASE("r and s where nothing can be rerun or skipped: one line each, still waiting") {
    TwoParts lesson;
    Script s;
    s.keys = {StepKey::rerun, StepKey::skip, StepKey::next};  // at "Intro"
    run(lesson, s);
    CHECK(s.screen.find("r: nothing here can be run again") != std::string::npos);
    CHECK(s.screen.find("s: this section has no experiment") != std::string::npos);
    CHECK(lesson.first_runs == 1);  // input ended after: the rest ran without pausing
    CHECK(s.screen.find("no more input") != std::string::npos);
  }

  TEST_CASE("q ends the lesson at once") {
    TwoParts lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::quit};
    CHECK_THROWS_AS(run(lesson, s), lessons::StepQuit);
    CHECK(lesson.first_runs == 0);
  }

  TEST_CASE("a pause taller than the page is shown in pages") {
    TwoParts lesson;
    Script s;
    s.keys.assign(20, StepKey::next);
    run(lesson, s, 3);
    CHECK(std::count(s.prompts.begin(), s.prompts.end(), std::string("-- more (Enter) --")) > 0);
  }
}

TEST_SUITE("step: parts named by a line") {
  TEST_CASE("the pause comes before the part runs, on its line; later sections wait for its end") {
    LinedPart lesson;
    Script s;
    // Intro, the line (before it runs), the part's results, the end.
    s.keys.assign(4, StepKey::next);
    lessons::CommonOptions options;
    options.step_presenter = presenter(s);
    auto inner = options.step_presenter;
    lessons::run_lesson(lesson, options);
    CHECK(inner->pauses() == 4);
    CHECK(s.keys.empty());
    CHECK(lesson.runs == 1);
    CHECK(lesson.ran);
    const auto line = s.screen.find("Next experiment: the ring of tasks");
    REQUIRE(line != std::string::npos);
    CHECK(line < s.screen.find("Ring results"));
    CHECK(s.screen.find("Ring results") < s.screen.find("Ring, more"));
  }

  TEST_CASE("s at the line skips the part: it never ran and part() says so") {
    LinedPart lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::skip, StepKey::next};
    const auto r = run(lesson, s);
    CHECK(lesson.runs == 0);
    CHECK_FALSE(lesson.ran);
    CHECK(r.find_measurement("ring_ns") == nullptr);
    CHECK(s.screen.find("Ring results") == std::string::npos);
    REQUIRE_FALSE(r.warnings.empty());
    CHECK(r.warnings.back().find("Skipped at your request") != std::string::npos);
  }

  TEST_CASE("r after the part runs it again without a second pause on its line") {
    LinedPart lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::next, StepKey::rerun, StepKey::next, StepKey::next};
    const auto r = run(lesson, s);
    CHECK(lesson.runs == 2);
    CHECK(s.keys.empty());
    CHECK(s.screen.find("Running again: the ring of tasks") != std::string::npos);
    REQUIRE(r.find_measurement("ring_ns") != nullptr);
    CHECK(r.find_measurement("ring_ns")->stats.median == 2);
    CHECK(r.sections.size() == 3);  // Intro and the second run's two: the first run's are gone
  }
}

TEST_SUITE("step: a part with a question") {
  // The question is declared after the part's section, just before its measurement.
  class PredictedPart : public lessons::Lesson {
   public:
    std::string_view name() const override { return "predicted-part"; }
    std::string_view title() const override { return "predicted part"; }
    std::vector<std::string_view> claims() const override { return {}; }
    void run(lessons::LessonContext& ctx) override {
      ctx.part([&] {
        ctx.explain("Guess", "a figure");
        ctx.predict(
            {"figure", "How many?", "figure", "ns", 1, 100, lessons::median_of("figure_ns")});
        ++runs;
        ctx.measure("figure_ns", "figure", "ns", {10.0 * runs}, "counted");
      });
    }
    int runs = 0;
  };

  TEST_CASE("r runs the part again without asking the question twice") {
    PredictedPart lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::rerun, StepKey::next, StepKey::next};
    lessons::CommonOptions options;
    options.step_presenter = presenter(s);
    options.predict = true;
    options.predict_session = std::make_shared<lessons::PredictSession>();
    int asked = 0;
    options.predict_session->ask = [&](const lessons::Question&) -> std::optional<double> {
      ++asked;
      return 20.0;
    };
    lessons::run_lesson(lesson, options);
    CHECK(lesson.runs == 2);
    CHECK(asked == 1);
    REQUIRE(options.predict_session->results.size() == 1);
    CHECK(options.predict_session->results[0].measured == std::optional<double>(20.0));
  }
}

TEST_SUITE("step: the screen") {
  TEST_CASE("each screen is cleared first when the terminal can clear; never after input ends") {
    TwoParts lesson;
    Script s;
    s.keys.assign(3, StepKey::next);  // then the input ends: the rest scrolls
    lessons::StepIo io;
    int clears = 0;
    io.read_key = [&s](const std::string&) -> std::optional<StepKey> {
      if (s.keys.empty()) {
        return std::nullopt;
      }
      s.keys.pop_front();
      return StepKey::next;
    };
    io.write = [&s](const std::string& text) { s.screen += text; };
    io.clear_terminal = [&] {
      ++clears;
      s.screen += "<clear>";
    };
    lessons::CommonOptions options;
    options.step_presenter =
        std::make_shared<lessons::StepPresenter>(std::move(io), report::TextStyle::plain(80));
    lessons::run_lesson(lesson, options);
    CHECK(clears == 4);  // the three answered pauses and the one that found the input ended
    CHECK(s.screen.rfind("<clear>", 0) == 0);  // before the first screen, title included
  }

  TEST_CASE("the preamble heads the first screen, above the title") {
    TwoParts lesson;
    Script s;
    lessons::CommonOptions options;
    options.step_presenter = presenter(s);
    options.step_presenter->set_preamble("== Chapter one\n");
    lessons::run_lesson(lesson, options);
    CHECK(s.screen.find("== Chapter one") < s.screen.find("two parts"));
  }

  TEST_CASE("q at the end screen says so; q before it does not") {
    TwoParts lesson;
    Script s;
    s.keys = {StepKey::next, StepKey::next, StepKey::next,
              StepKey::next, StepKey::next, StepKey::quit};
    try {
      run(lesson, s);
      FAIL("q did not end the lesson");
    } catch (const lessons::StepQuit& q) {
      CHECK(q.after_end);
    }
    TwoParts again;
    Script early;
    early.keys = {StepKey::next, StepKey::quit};
    try {
      run(again, early);
      FAIL("q did not end the lesson");
    } catch (const lessons::StepQuit& q) {
      CHECK_FALSE(q.after_end);
    }
  }

  TEST_CASE("a progress line is held while a pause waits, and resumed after") {
    TwoParts lesson;
    Script s;
    s.keys.assign(6, StepKey::next);
    lessons::CommonOptions options;
    options.step_presenter = presenter(s);
    int held = 0, resumed = 0;
    options.step_presenter->set_wait_hooks([&] { ++held; }, [&] { ++resumed; });
    lessons::run_lesson(lesson, options);
    CHECK(held == 6);
    CHECK(resumed == 6);
  }
}

TEST_SUITE("tour") {
  TEST_CASE("every lesson has a chapter of the notes") {
    for (const auto& l : lessons::all_lessons()) {
      CHECK_MESSAGE(!lessons::chapter_of(l->name()).empty(), l->name());
    }
  }

  TEST_CASE("the summary counts this run's verdicts and quotes the first one's because") {
    report::Report r("context-switch", "t");
    r.add(report::ClaimVerdict{"C1", report::Verdict::confirmed, "a thread switch cost 723 ns here",
                               ""});
    r.add(report::ClaimVerdict{"C2", report::Verdict::confirmed, "", ""});
    r.add(report::ClaimVerdict{"C3", report::Verdict::nuanced, "", ""});
    const auto line = lessons::lesson_summary(r, 120);
    CHECK(line.find("context-switch: 2 claims confirmed, 1 nuanced") == 0);
    CHECK(line.find("; C1: a thread switch cost 723 ns here") != std::string::npos);
    CHECK(report::display_width(lessons::lesson_summary(r)) <= 80);
    CHECK(report::display_width(lessons::lesson_summary(r, 40)) <= 40);
  }

  TEST_CASE("the position is saved, read back and cleared") {
    const auto file = std::filesystem::temp_directory_path() / "conc-step-test-tour-position";
    CHECK_FALSE(lessons::save_tour_position(file, "stack").has_value());
    CHECK(lessons::load_tour_position(file) == std::optional<std::string>("stack"));
    lessons::clear_tour_position(file);
    CHECK_FALSE(lessons::load_tour_position(file).has_value());
  }

  TEST_CASE("a tour left on a lesson's end screen resumes with the next one") {
    const auto file = std::filesystem::temp_directory_path() / "conc-step-test-tour-stop";
    CHECK_FALSE(lessons::save_tour_position(file, "locking", "data-race").has_value());
    const auto stop = lessons::load_tour_stop(file);
    REQUIRE(stop.has_value());
    CHECK(stop->next == "locking");
    CHECK(stop->stopped_at == "data-race");
    CHECK(lessons::load_tour_position(file) == std::optional<std::string>("locking"));
    CHECK(lessons::tour_position_line(*stop).find("tour: stopped at data-race — continue with: ") ==
          0);
    CHECK(lessons::tour_position_line(*stop).find("tour --from locking") != std::string::npos);
    CHECK_FALSE(lessons::save_tour_position(file, "stack").has_value());
    CHECK(lessons::load_tour_stop(file)->stopped_at == "stack");
    lessons::clear_tour_position(file);
  }
}
