#pragma once
// The verdicts of the latest run of each lesson, kept between runs for `conc-lab claims`.
//
// Lives in $XDG_STATE_HOME/conc-lab/verdicts.json (default ~/.local/state/conc-lab/). Written
// atomically: a temporary file in the same folder, then rename(2), so a reader sees the old or
// the new file, never half of one. A missing file is an empty store; a corrupt one is reported
// through load()'s return value and replaced on the next save.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "report/report.h"

namespace conc::report {

struct StoredVerdict {
  std::string verdict;  // "confirmed" | "nuanced" | "contradicted" | "could not judge"
  std::string because;
  std::string threshold;
  bool quick = false;
  std::string recorded_at;  // UTC, ISO 8601
};

class VerdictStore {
 public:
  explicit VerdictStore(std::filesystem::path file) : file_(std::move(file)) {}

  // $XDG_STATE_HOME/conc-lab/verdicts.json, or ~/.local/state/conc-lab/verdicts.json.
  static std::filesystem::path default_path();

  // Reads the file. Returns a warning for people when it existed but could not be used.
  std::optional<std::string> load();
  // Replaces the stored verdicts of report.lesson with this report's.
  void record(const Report& report, const std::string& recorded_at);
  // Writes atomically; throws std::system_error when the folder cannot be written.
  void save() const;

  std::optional<StoredVerdict> latest(const std::string& claim, const std::string& lesson) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  // claim -> lesson -> verdict
  std::map<std::string, std::map<std::string, StoredVerdict>> verdicts_;
};

// Now, as "2026-11-27T10:15:00Z".
std::string utc_timestamp();

}  // namespace conc::report
