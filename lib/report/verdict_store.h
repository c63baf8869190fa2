#pragma once
// The verdicts of each lesson's latest full run and latest quick run, kept between runs for
// `conc-lab claims`.
//
// Lives in $XDG_STATE_HOME/conc-lab/verdicts.json (default ~/.local/state/conc-lab/).
// Invariants and fault rules (the README repeats them for users):
// - Written atomically: a temporary file beside it, then rename(2), so a reader sees the old or
//   the new file, never half of one. The temporary file is removed on every failure path.
// - Read-modify-write happens under flock(2) on `verdicts.json.lock` beside it, so two lessons
//   finishing together both keep their verdicts.
// - A missing file is an empty ledger. A file that exists but cannot be read, or is not a
//   regular file (a directory, a FIFO, a dangling symlink, a symlink loop), gives one warning
//   naming the file and what is wrong, and is never opened for reading (a FIFO would block)
//   nor overwritten. A file that reads but does not parse is moved aside (the warning says
//   where) and the ledger starts afresh.
// - A quick run replaces only the lesson's quick verdicts, a full run only its full ones: a
//   quick run never overwrites what a full run found.

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

// What one lesson said about one claim, in its latest full and latest quick run.
struct LessonVerdicts {
  std::optional<StoredVerdict> full;
  std::optional<StoredVerdict> quick;
};

class VerdictStore {
 public:
  explicit VerdictStore(std::filesystem::path file) : file_(std::move(file)) {}

  // $XDG_STATE_HOME/conc-lab/verdicts.json, or ~/.local/state/conc-lab/verdicts.json.
  static std::filesystem::path default_path();

  // Reads the file under the lock. Returns a warning for people (one line naming the file)
  // when it existed but could not be used; an unparsable file is moved aside first.
  std::optional<std::string> load();
  // Lock, read, record this report's verdicts, write, unlock: the whole read-modify-write.
  // Never throws for a file-system fault; returns the warning to print instead. Leaves the
  // file alone when load() would warn that it cannot be used.
  std::optional<std::string> record_run(const Report& report, const std::string& recorded_at);

  // In memory: replaces report.lesson's full (or quick) verdicts with this report's.
  void record(const Report& report, const std::string& recorded_at);
  // Writes atomically; throws std::system_error when the file cannot be written (and leaves
  // no temporary file behind).
  void save() const;

  // Both records of one lesson for one claim (either may be absent).
  LessonVerdicts verdicts(const std::string& claim, const std::string& lesson) const;
  // The full run's verdict when there is one, else the quick run's.
  std::optional<StoredVerdict> latest(const std::string& claim, const std::string& lesson) const;
  const std::filesystem::path& file() const { return file_; }
  // False after load() found a file it must leave alone.
  bool writable() const { return writable_; }

 private:
  std::optional<std::string> load_unlocked();

  std::filesystem::path file_;
  bool writable_ = true;
  // claim -> lesson -> its full and quick verdicts
  std::map<std::string, std::map<std::string, LessonVerdicts>> verdicts_;
};

// Now, as "2026-11-27T10:15:00Z".
std::string utc_timestamp();

}  // namespace conc::report
