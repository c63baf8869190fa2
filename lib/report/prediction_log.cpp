#include "report/prediction_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/verdict_store.h"

namespace conc::report {

namespace fs = std::filesystem;

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::optional<double> number_or_none(const nlohmann::json& j) {
  return j.is_number() ? std::optional<double>(j.get<double>()) : std::nullopt;
}

std::string to_line(const PredictionRecord& r) {
  const nlohmann::json j = {{"recorded_at", r.recorded_at},
                            {"lesson", r.lesson},
                            {"question_id", r.question_id},
                            {"label", r.label},
                            {"unit", r.unit},
                            {"guess", optional_number(r.guess)},
                            {"measured", optional_number(r.measured)}};
  return j.dump() + "\n";
}

std::optional<PredictionRecord> from_line(const std::string& line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  PredictionRecord r;
  for (auto [field, key] : {std::pair{&r.recorded_at, "recorded_at"},
                            {&r.lesson, "lesson"},
                            {&r.question_id, "question_id"},
                            {&r.label, "label"},
                            {&r.unit, "unit"}}) {
    if (!j.contains(key) || !j[key].is_string()) {
      return std::nullopt;
    }
    *field = j[key].get<std::string>();
  }
  r.guess = number_or_none(j.value("guess", nlohmann::json()));
  r.measured = number_or_none(j.value("measured", nlohmann::json()));
  return r;
}

}  // namespace

fs::path default_prediction_log() {
  return VerdictStore::default_path().parent_path() / "predictions.jsonl";
}

std::optional<std::string> append_predictions(const fs::path& file,
                                              const std::vector<PredictionRecord>& records) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return "cannot record your predictions in " + file.string() + ": " + std::strerror(errno);
  }
  std::optional<std::string> problem;
  for (const auto& r : records) {
    const std::string line = to_line(r);
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      problem = "cannot record your predictions in " + file.string() + ": " + std::strerror(errno);
      break;
    }
  }
  ::close(fd);
  return problem;
}

std::vector<PredictionRecord> load_predictions(const fs::path& file, int* skipped) {
  std::vector<PredictionRecord> out;
  std::ifstream in(file);
  std::string line;
  int bad = 0;
  while (std::getline(in, line)) {
    if (auto r = from_line(line)) {
      out.push_back(std::move(*r));
    } else if (!line.empty()) {
      ++bad;
    }
  }
  if (skipped != nullptr) {
    *skipped = bad;
  }
  return out;
}

}  // namespace conc::report
