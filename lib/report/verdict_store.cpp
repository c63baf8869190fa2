#include "report/verdict_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

namespace conc::report {

namespace {

namespace fs = std::filesystem;

// The file layout: 2 keeps a full and a quick record per lesson; files without the key are the
// first layout (one record per lesson, its "quick" flag telling which kind it was).
constexpr int kStoreLayout = 2;
// How long a writer waits for another conc-lab's read-modify-write (which takes milliseconds)
// before giving up on recording, so that a stopped process cannot hang every other one.
constexpr auto kLockWait = std::chrono::seconds(10);
constexpr auto kLockPoll = std::chrono::milliseconds(20);

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string file_problem(const fs::path& file, const std::string& what) {
  return "the verdict file " + file.string() + " " + what + "; leaving it alone";
}

// flock(2) on `<file>.lock`, released by the destructor. Without a lock file (a read-only
// folder) `held()` is false and `problem()` says why.
class LedgerLock {
 public:
  explicit LedgerLock(const fs::path& file) {
    const fs::path path = file.string() + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd_ < 0) {
      problem_ = "cannot open the lock file " + path.string() + ": " + errno_text(errno);
      return;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      problem_ = "the lock file " + path.string() + " is not a regular file";
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() + kLockWait;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if ((errno != EWOULDBLOCK && errno != EINTR) || std::chrono::steady_clock::now() > deadline) {
        problem_ = "cannot lock " + path.string() + ": " +
                   (errno == EWOULDBLOCK ? "another conc-lab held it too long" : errno_text(errno));
        return;
      }
      std::this_thread::sleep_for(kLockPoll);
    }
    held_ = true;
  }
  ~LedgerLock() {
    if (fd_ >= 0) {
      ::close(fd_);  // closing releases the flock
    }
  }
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;
  bool held() const { return held_; }
  const std::string& problem() const { return problem_; }

 private:
  int fd_ = -1;
  bool held_ = false;
  std::string problem_;
};

enum class FileState { missing, regular, unusable };

// Looks at the path without opening it (opening a FIFO would block). `what` says what is wrong
// when the state is `unusable`.
FileState inspect(const fs::path& file, std::string& what) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) {
      return FileState::regular;
    }
    what = S_ISDIR(st.st_mode)    ? "is a directory"
           : S_ISFIFO(st.st_mode) ? "is a FIFO"
           : S_ISSOCK(st.st_mode) ? "is a socket"
                                  : "is not a regular file";
    return FileState::unusable;
  }
  const int err = errno;
  struct stat link {};
  if (err == ENOENT && ::lstat(file.c_str(), &link) == 0) {
    what = "is a symlink to a missing file";
    return FileState::unusable;
  }
  if (err == ENOENT) {
    return FileState::missing;
  }
  what = err == ELOOP ? "is a symlink loop" : "cannot be reached (" + errno_text(err) + ")";
  return FileState::unusable;
}

// The whole file, or nullopt with `what` set.
std::optional<std::string> read_regular(const fs::path& file, std::string& what) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    what = "cannot be read (" + errno_text(errno) + ")";
    return std::nullopt;
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    what = "is not a regular file";
    ::close(fd);
    return std::nullopt;
  }
  char buf[8192];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    text.append(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  }
  const int err = errno;
  ::close(fd);
  if (n < 0) {
    what = "cannot be read (" + errno_text(err) + ")";
    return std::nullopt;
  }
  return text;
}

StoredVerdict stored_from_json(const nlohmann::json& v) {
  return StoredVerdict{v.at("verdict").get<std::string>(), v.value("because", ""),
                       v.value("threshold", ""), v.value("quick", false),
                       v.value("recorded_at", "")};
}

nlohmann::json stored_to_json(const StoredVerdict& v) {
  return {{"verdict", v.verdict},
          {"because", v.because},
          {"threshold", v.threshold},
          {"quick", v.quick},
          {"recorded_at", v.recorded_at}};
}

// "2026-11-27T101500Z": a timestamp fit for a file name.
std::string compact_timestamp() {
  std::string t = utc_timestamp();
  t.erase(std::remove(t.begin(), t.end(), ':'), t.end());
  return t;
}

// Writes `text` to a fresh file at `tmp` and syncs it; removes it and throws on any failure.
void write_fresh_file(const fs::path& tmp, const std::string& text) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {  // left by a process that died, whose pid came back
    ::unlink(tmp.c_str());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "create " + tmp.string());
  }
  std::size_t done = 0;
  int err = 0;
  while (done < text.size() && err == 0) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      err = errno;
    }
  }
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
  }
  if (::close(fd) != 0 && err == 0) {
    err = errno;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "write " + tmp.string());
  }
}

}  // namespace

fs::path VerdictStore::default_path() {
  fs::path base;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    base = fs::path(home) / ".local" / "state";
  } else {
    base = fs::temp_directory_path();
  }
  return base / "conc-lab" / "verdicts.json";
}

std::optional<std::string> VerdictStore::load() {
  std::error_code ec;
  if (!fs::exists(file_.parent_path(), ec)) {
    verdicts_.clear();
    writable_ = true;
    return std::nullopt;  // never written yet: no folder to lock in either
  }
  // A read-only folder (another owner's ledger) has no room for a lock file: read unlocked,
  // which is safe because writers replace the file by rename.
  const LedgerLock lock(file_);
  return load_unlocked();
}

std::optional<std::string> VerdictStore::load_unlocked() {
  verdicts_.clear();
  writable_ = false;
  std::string what;
  switch (inspect(file_, what)) {
    case FileState::missing:
      writable_ = true;
      return std::nullopt;  // never written yet: an empty ledger
    case FileState::unusable:
      return file_problem(file_, what);
    case FileState::regular:
      break;
  }
  const auto text = read_regular(file_, what);
  if (!text) {
    return file_problem(file_, what);
  }
  try {
    const nlohmann::json doc = nlohmann::json::parse(*text);
    const bool two_records = doc.value("store_version", 1) >= kStoreLayout;
    for (const auto& [claim, lessons] : doc.at("verdicts").items()) {
      for (const auto& [lesson, v] : lessons.items()) {
        auto& slot = verdicts_[claim][lesson];
        if (!two_records) {
          StoredVerdict one = stored_from_json(v);
          (one.quick ? slot.quick : slot.full) = std::move(one);
          continue;
        }
        if (v.contains("full")) {
          slot.full = stored_from_json(v.at("full"));
        }
        if (v.contains("quick")) {
          slot.quick = stored_from_json(v.at("quick"));
        }
      }
    }
  } catch (const nlohmann::json::exception&) {
    verdicts_.clear();
    const fs::path aside = file_.string() + ".corrupt-" + compact_timestamp();
    if (std::rename(file_.c_str(), aside.c_str()) != 0) {
      return file_problem(file_,
                          "does not parse and cannot be moved aside (" + errno_text(errno) + ")");
    }
    writable_ = true;
    return "the verdict file " + file_.string() + " did not parse; moved it to " + aside.string() +
           " and started afresh";
  }
  writable_ = true;
  return std::nullopt;
}

std::optional<std::string> VerdictStore::record_run(const Report& report,
                                                    const std::string& recorded_at) {
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  if (ec) {
    return "cannot create " + file_.parent_path().string() + " (" + ec.message() +
           "); verdicts not recorded";
  }
  const LedgerLock lock(file_);
  if (!lock.held()) {
    return lock.problem() + "; verdicts not recorded";
  }
  auto warning = load_unlocked();
  if (!writable_) {
    return warning;
  }
  record(report, recorded_at);
  try {
    save();
  } catch (const std::exception& e) {
    return std::string("could not record the verdicts: ") + e.what();
  }
  return warning;
}

void VerdictStore::record(const Report& report, const std::string& recorded_at) {
  for (auto& [claim, lessons] : verdicts_) {
    if (auto it = lessons.find(report.lesson); it != lessons.end()) {
      (report.quick ? it->second.quick : it->second.full).reset();
    }
  }
  for (const auto& v : report.verdicts) {
    auto& slot = verdicts_[v.claim][report.lesson];
    (report.quick ? slot.quick : slot.full) =
        StoredVerdict{to_string(v.verdict), v.because, v.threshold, report.quick, recorded_at};
  }
}

void VerdictStore::save() const {
  nlohmann::json all = nlohmann::json::object();
  for (const auto& [claim, lessons] : verdicts_) {
    for (const auto& [lesson, slot] : lessons) {
      nlohmann::json entry = nlohmann::json::object();
      if (slot.full) {
        entry["full"] = stored_to_json(*slot.full);
      }
      if (slot.quick) {
        entry["quick"] = stored_to_json(*slot.quick);
      }
      if (!entry.empty()) {
        all[claim][lesson] = std::move(entry);
      }
    }
  }
  const nlohmann::json doc = {
      {"schema_version", kSchemaVersion}, {"store_version", kStoreLayout}, {"verdicts", all}};
  // Through a symlink to a regular file, replace the file it points to, not the link.
  fs::create_directories(file_.parent_path());
  std::error_code ec;
  const fs::path target = fs::is_symlink(file_, ec) ? fs::canonical(file_) : file_;
  const fs::path tmp = target.string() + ".tmp." + std::to_string(::getpid());
  write_fresh_file(tmp, doc.dump(2) + "\n");
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "rename to " + target.string());
  }
}

LessonVerdicts VerdictStore::verdicts(const std::string& claim, const std::string& lesson) const {
  auto c = verdicts_.find(claim);
  if (c == verdicts_.end()) {
    return {};
  }
  auto l = c->second.find(lesson);
  return l == c->second.end() ? LessonVerdicts{} : l->second;
}

std::optional<StoredVerdict> VerdictStore::latest(const std::string& claim,
                                                  const std::string& lesson) const {
  const LessonVerdicts both = verdicts(claim, lesson);
  return both.full ? both.full : both.quick;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace conc::report
