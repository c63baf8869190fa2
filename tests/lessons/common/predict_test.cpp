// --predict: the factor off, the predictions table, the progress page's trend. Pure: a
// synthetic Report answers the questions, no lesson runs.

#include <doctest/doctest.h>

#include "lessons/common/predict.h"
#include "lessons/common/progress.h"

using namespace conc;
using lessons::Prediction;

namespace {

report::Report report_with(const std::string& id, std::vector<double> samples) {
  report::Report r("demo", "A demo lesson");
  report::Measurement m;
  m.id = id;
  m.stats = report::summarize(std::move(samples));
  r.add(std::move(m));
  return r;
}

const report::Table* table(const report::Report& r, const std::string& id) {
  for (const auto& t : r.tables) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("predict") {
  TEST_CASE("the factor off is symmetric, 1 when exact, absent when a side is missing") {
    CHECK(Prediction{"l", "q", "label", "×", 4.0, 2.0}.factor_off() == doctest::Approx(2.0));
    CHECK(Prediction{"l", "q", "label", "×", 1.0, 2.0}.factor_off() == doctest::Approx(2.0));
    CHECK(Prediction{"l", "q", "label", "×", 3.0, 3.0}.factor_off() == doctest::Approx(1.0));
    CHECK_FALSE(Prediction{"l", "q", "label", "×", std::nullopt, 2.0}.factor_off());
    CHECK_FALSE(Prediction{"l", "q", "label", "×", 2.0, std::nullopt}.factor_off());
    CHECK_FALSE(Prediction{"l", "q", "label", "%", 0.0, 2.0}.factor_off());
  }

  TEST_CASE("answers come from the finished report: a median, a ratio, or nothing") {
    auto r = report_with("a_ns", {1000, 2000, 3000});
    CHECK(lessons::median_of("a_ns", 1e-3)(r) == doctest::Approx(2.0));
    CHECK_FALSE(lessons::median_of("missing")(r));
    report::Measurement b;
    b.id = "b_ns";
    b.stats = report::summarize({500});
    r.add(std::move(b));
    CHECK(lessons::ratio_of("a_ns", "b_ns")(r) == doctest::Approx(4.0));
    CHECK_FALSE(lessons::ratio_of("a_ns", "missing")(r));
  }

  TEST_CASE("the predictions table holds the guess, the measurement and how far off") {
    auto r = report_with("depth", {300});
    lessons::PredictSession session;
    const std::vector<lessons::Question> asked = {
        {"depth", "How deep?", "calls deep", "calls", 1, 1e6, lessons::median_of("depth")},
        {"other", "And this?", "skipped one", "ms", 0, 10, lessons::median_of("none")}};
    lessons::add_prediction_table(r, asked, {600.0, std::nullopt}, session);
    const auto* t = table(r, "predictions");
    REQUIRE(t != nullptr);
    REQUIRE(t->rows.size() == 2);
    CHECK(std::get<std::string>(t->rows[0][3]) == "over by 2.0×");
    CHECK(std::get<std::string>(t->rows[1][3]) == "skipped");
    REQUIRE(session.results.size() == 2);
    CHECK(session.results[0].measured == doctest::Approx(300.0));
    CHECK(session.results[0].lesson == "demo");
  }

  TEST_CASE("progress: the trend compares the earlier half of the guesses with the later") {
    const auto record = [](double guess) {
      return report::PredictionRecord{
          "2026-12-04T10:00:00Z", "stack", "q", "label", "calls", guess, 100.0};
    };
    report::VerdictStore store("/nonexistent/verdicts.json");
    const auto lessons = lessons::all_lessons();
    const auto closer = lessons::progress_report(
        lessons, store, {record(800), record(400), record(150), record(90)});
    const auto* t = table(closer, "predictions");
    REQUIRE(t != nullptr);
    CHECK(t->note.find("getting closer") != std::string::npos);
    const auto worse = lessons::progress_report(lessons, store,
                                                {record(110), record(90), record(400), record(20)});
    CHECK(table(worse, "predictions")->note.find("not closer yet") != std::string::npos);
    const auto none = lessons::progress_report(lessons, store, {});
    CHECK(table(none, "predictions") == nullptr);
    CHECK(table(none, "lessons")->rows.size() == lessons.size());
  }
}
