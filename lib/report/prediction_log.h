#pragma once
// The record of --predict answers, for `conc-lab progress`: one JSON object per line in
// $XDG_STATE_HOME/conc-lab/predictions.jsonl, beside the verdict ledger. Each record is
// appended with one write(2) on an O_APPEND descriptor, so concurrent runs never interleave
// inside a line and a crash leaves at worst one torn last line, which reading skips.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace conc::report {

struct PredictionRecord {
  std::string recorded_at;  // UTC, ISO 8601
  std::string lesson, question_id, label, unit;
  std::optional<double> guess, measured;
};

// predictions.jsonl in the folder of the verdict ledger.
std::filesystem::path default_prediction_log();

// Appends the records; returns a warning (one sentence) when the log could not be written.
std::optional<std::string> append_predictions(const std::filesystem::path& file,
                                              const std::vector<PredictionRecord>& records);

// Every readable record, oldest first; `skipped` counts lines that were not a record.
std::vector<PredictionRecord> load_predictions(const std::filesystem::path& file,
                                               int* skipped = nullptr);

}  // namespace conc::report
