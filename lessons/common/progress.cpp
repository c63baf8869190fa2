#include "lessons/common/progress.h"

#include <fmt/format.h>

#include <algorithm>

#include "lessons/common/answer_text.h"
#include "lessons/common/claims.h"
#include "report/command_hint.h"
#include "report/stats.h"

namespace conc::lessons {

namespace {

// The newest record of any claim's verdict from `lesson`: {when, full or quick}.
std::pair<std::string, std::string> last_run(const Lesson& lesson,
                                             const report::VerdictStore& store) {
  std::string when, kind;
  for (auto claim : lesson.claims()) {
    const auto v = store.verdicts(std::string(claim), std::string(lesson.name()));
    for (const auto* s : {&v.full, &v.quick}) {
      if (*s && (*s)->recorded_at > when) {
        when = (*s)->recorded_at;
        kind = (*s)->quick ? "quick" : "full";
      }
    }
  }
  return {when, kind};
}

int claims_seen(const report::VerdictStore& store,
                const std::vector<std::unique_ptr<Lesson>>& lessons) {
  int seen = 0;
  for (const auto& claim : claim_catalogue()) {
    bool any = false;
    for (const auto& l : lessons) {
      const auto v = store.verdicts(std::string(claim.id), std::string(l->name()));
      any = any || v.full || v.quick;
    }
    seen += any ? 1 : 0;
  }
  return seen;
}

std::optional<double> factor_off(const report::PredictionRecord& r) {
  Prediction p{r.lesson, r.question_id, r.label, r.unit, r.guess, r.measured};
  return p.factor_off();
}

void add_lessons_table(report::Report& r, const std::vector<std::unique_ptr<Lesson>>& lessons,
                       const report::VerdictStore& store) {
  report::Table t{"lessons", "Lessons", {"lesson", "last run (UTC)", "kind"}, {}, ""};
  int done = 0;
  for (const auto& l : lessons) {
    const auto [when, kind] = last_run(*l, store);
    done += when.empty() ? 0 : 1;
    t.rows.push_back({std::string(l->name()), when.empty() ? std::string("not yet") : when,
                      kind.empty() ? std::string("-") : kind});
  }
  t.note = fmt::format(
      "{} of {} lessons run here; {} of {} claims have a verdict "
      "(conc-lab claims).",
      done, lessons.size(), claims_seen(store, lessons), claim_catalogue().size());
  r.add(std::move(t));
}

constexpr std::size_t kShownPredictions = 12;  // the newest; the trend uses all of them

void add_predictions(report::Report& r, const std::vector<report::PredictionRecord>& records) {
  if (records.empty()) {
    r.add(report::Section{"Predictions",
                          "No predictions yet. Guess before you measure: " +
                              report::command_hint("lesson context-switch --predict")});
    return;
  }
  report::Table t{"predictions",
                  "Your latest predictions",
                  {"when (UTC)", "question", "you said", "measured", "off"},
                  {},
                  ""};
  const std::size_t first =
      records.size() > kShownPredictions ? records.size() - kShownPredictions : 0;
  for (std::size_t i = first; i < records.size(); ++i) {
    const auto& p = records[i];
    const auto f = factor_off(p);
    t.rows.push_back({p.recorded_at.substr(0, 16), p.label, format_answer(p.guess, p.unit),
                      format_answer(p.measured, p.unit),
                      f ? fmt::format("{:.1f}×", *f) : std::string("-")});
  }
  std::vector<double> factors;
  for (const auto& p : records) {
    if (auto f = factor_off(p)) {
      factors.push_back(*f);
    }
  }
  constexpr std::size_t kTrendMin = 4;  // two guesses per half at least
  if (factors.size() >= kTrendMin) {
    const auto half = factors.size() / 2;
    const auto early =
        report::summarize({factors.begin(), factors.begin() + static_cast<long>(half)});
    const auto late = report::summarize({factors.begin() + static_cast<long>(half), factors.end()});
    t.note = fmt::format(
        "Median factor off: {:.1f}× over your first {} guesses, {:.1f}× over the last {} "
        "({}).",
        early.median, half, late.median, factors.size() - half,
        late.median < early.median ? "getting closer" : "not closer yet");
  } else {
    t.note = fmt::format("{} guesses compared so far; the trend shows from {} on.", factors.size(),
                         kTrendMin);
  }
  r.add(std::move(t));
}

}  // namespace

std::string tour_position_line(const TourPosition& tour) {
  return fmt::format("tour: stopped at {} — continue with: {}", tour.stopped_at,
                     report::command_hint("tour --from " + tour.next));
}

report::Report progress_report(const std::vector<std::unique_ptr<Lesson>>& lessons,
                               const report::VerdictStore& store,
                               const std::vector<report::PredictionRecord>& predictions,
                               const std::optional<TourPosition>& tour) {
  report::Report r("progress", "Your progress on this machine");
  add_lessons_table(r, lessons, store);
  if (tour) {
    r.add(report::Section{"Tour", tour_position_line(*tour)});
  }
  add_predictions(r, predictions);
  return r;
}

}  // namespace conc::lessons
