#include "lessons/common/predict.h"

#include <fmt/format.h>

#include <algorithm>

#include "lessons/common/answer_text.h"
#include "report/command_hint.h"

namespace conc::lessons {

std::function<std::optional<double>(const report::Report&)> median_of(std::string measurement_id,
                                                                      double scale) {
  return [id = std::move(measurement_id), scale](const report::Report& r) -> std::optional<double> {
    const auto* m = r.find_measurement(id);
    if (m == nullptr || m->stats.n == 0) {
      return std::nullopt;
    }
    return m->stats.median * scale;
  };
}

std::function<std::optional<double>(const report::Report&)> ratio_of(std::string numerator_id,
                                                                     std::string denominator_id) {
  return [top = median_of(std::move(numerator_id)), bottom = median_of(std::move(denominator_id))](
             const report::Report& r) -> std::optional<double> {
    const auto a = top(r);
    const auto b = bottom(r);
    if (!a || !b || *b <= 0) {
      return std::nullopt;
    }
    return *a / *b;
  };
  // clang-analyzer loses track of the std::function the lambda's captures move into and calls
  // it a leak; the std::function owns them and frees them (ASan has never reported one).
}  // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks)

std::optional<double> Prediction::factor_off() const {
  if (!guess || !measured || *guess <= 0 || *measured <= 0) {
    return std::nullopt;
  }
  return std::max(*guess, *measured) / std::min(*guess, *measured);
}

namespace {

std::string how_far(const Prediction& p) {
  if (!p.guess) {
    return "skipped";
  }
  if (!p.measured) {
    return "not measured this run";
  }
  const auto f = p.factor_off();
  if (!f) {
    return "cannot compare";
  }
  if (*f < 1.1) {
    return "spot on";
  }
  return fmt::format("{} by {:.1f}×", *p.guess < *p.measured ? "under" : "over", *f);
}

}  // namespace

void add_prediction_table(report::Report& report, const std::vector<Question>& asked,
                          const std::vector<std::optional<double>>& guesses,
                          PredictSession& session) {
  report::Table t{"predictions",
                  "Your predictions",
                  {"question", "you said", "measured", "off"},
                  {},
                  "\"off\" is the factor between guess and measurement, whichever is larger "
                  "divided by the smaller: 2.0× means half or double. Your record: " +
                      report::command_hint("progress") + "."};
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const Question& q = asked[i];
    Prediction p{report.lesson, q.id,       q.label,
                 q.unit,        guesses[i], q.answer ? q.answer(report) : std::nullopt};
    t.rows.push_back(
        {q.label, format_answer(p.guess, q.unit), format_answer(p.measured, q.unit), how_far(p)});
    session.results.push_back(std::move(p));
  }
  report.add(std::move(t));
}

}  // namespace conc::lessons
