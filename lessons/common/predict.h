#pragma once
// Predict, then measure (--predict). Just before a headline experiment, a lesson declares the
// question that experiment will answer; with --predict the student is asked for a number
// first, and the lesson ends with a table of each guess beside the figure this run measured
// and how far off it was, as a factor (2.0 = off by a factor of two, either way). Outside
// --predict a declaration costs nothing: no one is asked and no table is added.
//
// The asking itself (a terminal prompt) belongs to the app: CommonOptions::ask. Lessons only
// declare questions (LessonContext::predict) and never read input.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {

struct Question {
  std::string id;     // stable, snake_case: "process_over_thread_switch"
  std::string text;   // "How many times dearer is a process switch than a thread switch?"
  std::string label;  // short, for the table: "process ÷ thread switch"
  std::string unit;   // what the number is in: "×", "%", "ms", "frames"
  double low = 0;     // the sensible range offered to the student
  double high = 0;
  // This run's answer, read off the finished Report; nullopt when the experiment did not
  // produce it (skipped, refused by a limit).
  std::function<std::optional<double>(const report::Report&)> answer;
};

// The median of a measurement, scaled (ns to ms: 1e-6); for Question::answer.
std::function<std::optional<double>(const report::Report&)> median_of(std::string measurement_id,
                                                                      double scale = 1);

// The ratio of two measurements' medians: ratio_of("round_trip_futex_processes_ns",
// "round_trip_futex_threads_ns").
std::function<std::optional<double>(const report::Report&)> ratio_of(std::string numerator_id,
                                                                     std::string denominator_id);

// One question as it ended.
struct Prediction {
  std::string lesson, question_id, label, unit;
  std::optional<double> guess;     // nullopt: skipped
  std::optional<double> measured;  // nullopt: the run did not produce it
  // max(guess, measured) / min(...), 1 = exact; nullopt when either is missing or not positive.
  std::optional<double> factor_off() const;
};

// What the app hands a lesson run for --predict: how to ask, and where the results go.
struct PredictSession {
  std::function<std::optional<double>(const Question&)> ask;
  std::vector<Prediction> results;
};

// The "Your predictions" table, evaluated on the finished report; fills session.results.
void add_prediction_table(report::Report& report, const std::vector<Question>& asked,
                          const std::vector<std::optional<double>>& guesses,
                          PredictSession& session);

}  // namespace conc::lessons
