// --predict on a live lesson: the question is asked before its experiment, the guess lands in
// the table beside this run's figure; without --predict nobody is asked.

#include <doctest/doctest.h>

#include <algorithm>

#include "lessons/common/lesson.h"

using namespace conc;

namespace {

std::unique_ptr<lessons::Lesson> lesson_named(const std::string& name) {
  for (auto& l : lessons::all_lessons()) {
    if (l->name() == name) {
      return std::move(l);
    }
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("predict live") {
  TEST_CASE("stack --quick --predict: asked once, the guess beside the measured depth") {
    auto lesson = lesson_named("stack");
    REQUIRE(lesson != nullptr);
    lessons::CommonOptions options;
    options.quick = true;
    options.predict = true;
    options.predict_session = std::make_shared<lessons::PredictSession>();
    std::vector<std::string> asked;
    options.predict_session->ask = [&](const lessons::Question& q) -> std::optional<double> {
      asked.push_back(q.id);
      return 123.0;
    };
    const auto r = lessons::run_lesson(*lesson, options);
    CHECK(asked == std::vector<std::string>{"overflow_depth_64kib"});
    const auto& results = options.predict_session->results;
    REQUIRE(results.size() == 1);
    CHECK(results[0].guess == doctest::Approx(123.0));
    REQUIRE(results[0].measured);
    CHECK(*results[0].measured ==
          doctest::Approx(r.find_measurement("overflow_depth_64kib")->stats.median));
    CHECK(std::any_of(r.tables.begin(), r.tables.end(),
                      [](const auto& t) { return t.id == "predictions"; }));
  }

  TEST_CASE("without --predict no one is asked and no table is added") {
    auto lesson = lesson_named("stack");
    lessons::CommonOptions options;
    options.quick = true;
    options.predict_session = std::make_shared<lessons::PredictSession>();
    int asked = 0;
    options.predict_session->ask = [&](const lessons::Question&) -> std::optional<double> {
      ++asked;
      return 1.0;
    };
    const auto r = lessons::run_lesson(*lesson, options);
    CHECK(asked == 0);
    CHECK(std::none_of(r.tables.begin(), r.tables.end(),
                       [](const auto& t) { return t.id == "predictions"; }));
  }
}
