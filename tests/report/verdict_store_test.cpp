#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "report/verdict_store.h"

using namespace conc::report;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("conc-lab-store-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}
Report with_verdict(const std::string& lesson, const std::string& claim, Verdict v,
                    bool quick = false) {
  Report r(lesson, "t");
  r.quick = quick;
  r.add(ClaimVerdict{claim, v, "because", "rule"});
  return r;
}
std::string contents(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
bool contains(const std::optional<std::string>& text, const std::string& part) {
  return text.has_value() && text->find(part) != std::string::npos;
}
// Files in `dir` whose name holds `part` (temporary files, files moved aside).
int files_named(const fs::path& dir, const std::string& part) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    n += e.path().filename().string().find(part) != std::string::npos ? 1 : 0;
  }
  return n;
}
// Runs `body` in a forked child and returns its exit status (-1 if it did not exit).
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
// A fault in place of the state file: load() and record_run() warn naming the file and what
// is wrong, and the thing in its place is left as it was.
void check_left_alone(const fs::path& file, const std::string& what,
                      const std::function<bool()>& unchanged) {
  VerdictStore s(file);
  const auto warning = s.load();
  CAPTURE(warning.value_or("(none)"));
  CHECK(contains(warning, file.string()));
  CHECK(contains(warning, what));
  CHECK(contains(s.record_run(with_verdict("process", "C04", Verdict::confirmed), "t"),
                 file.string()));
  CHECK(unchanged());
  CHECK(files_named(file.parent_path(), ".tmp.") == 0);
}
}  // namespace

TEST_SUITE("verdict store") {
  TEST_CASE("a missing file is an empty ledger") {
    VerdictStore s(fresh_dir("missing") / "verdicts.json");
    CHECK_FALSE(s.load().has_value());
    CHECK_FALSE(s.latest("C04", "process").has_value());
  }

  TEST_CASE("verdicts survive a save and a load, per claim and lesson") {
    const auto dir = fresh_dir("roundtrip");
    {
      VerdictStore s(dir / "verdicts.json");
      s.record(with_verdict("process", "C04", Verdict::confirmed), "2026-01-01T00:00:00Z");
      s.record(with_verdict("thread", "C04", Verdict::nuanced), "2026-01-01T00:00:01Z");
      s.save();
    }
    VerdictStore s(dir / "verdicts.json");
    CHECK_FALSE(s.load().has_value());
    CHECK(s.latest("C04", "process")->verdict == "confirmed");
    CHECK(s.latest("C04", "thread")->verdict == "nuanced");
    CHECK_FALSE(fs::exists(dir / ("verdicts.json.tmp." + std::to_string(::getpid()))));
    fs::remove_all(dir);
  }

  TEST_CASE("a new run of a lesson replaces its old verdicts") {
    VerdictStore s(fresh_dir("replace") / "verdicts.json");
    s.record(with_verdict("process", "C04", Verdict::confirmed), "t1");
    s.record(with_verdict("process", "C05", Verdict::contradicted), "t2");
    CHECK_FALSE(s.latest("C04", "process").has_value());
    CHECK(s.latest("C05", "process")->verdict == "contradicted");
  }

  TEST_CASE("a quick run keeps the full run's verdict, and each keeps its own time") {
    const auto dir = fresh_dir("quick");
    {
      VerdictStore s(dir / "verdicts.json");
      s.record(with_verdict("stack", "C09", Verdict::confirmed), "2026-01-01T00:00:00Z");
      s.record(with_verdict("stack", "C09", Verdict::nuanced, true), "2026-01-02T00:00:00Z");
      s.save();
    }
    VerdictStore s(dir / "verdicts.json");
    CHECK_FALSE(s.load().has_value());
    const auto both = s.verdicts("C09", "stack");
    REQUIRE(both.full.has_value());
    REQUIRE(both.quick.has_value());
    CHECK(both.full->verdict == "confirmed");
    CHECK(both.full->recorded_at == "2026-01-01T00:00:00Z");
    CHECK_FALSE(both.full->quick);
    CHECK(both.quick->verdict == "nuanced");
    CHECK(both.quick->quick);
    CHECK(s.latest("C09", "stack")->verdict == "confirmed");  // the full one first
    // A later full run replaces only the full record.
    s.record(with_verdict("stack", "C09", Verdict::contradicted), "2026-01-03T00:00:00Z");
    CHECK(s.verdicts("C09", "stack").full->verdict == "contradicted");
    CHECK(s.verdicts("C09", "stack").quick->verdict == "nuanced");
    fs::remove_all(dir);
  }

  TEST_CASE("a file of the first layout (one record per lesson) still reads") {
    const auto dir = fresh_dir("layout1");
    fs::create_directories(dir);
    std::ofstream(dir / "verdicts.json")
        << R"({"schema_version":1,"verdicts":{"C04":{"process":{"verdict":"confirmed",)"
        << R"("because":"b","threshold":"t","quick":true,"recorded_at":"x"}}}})";
    VerdictStore s(dir / "verdicts.json");
    CHECK_FALSE(s.load().has_value());
    CHECK_FALSE(s.verdicts("C04", "process").full.has_value());
    CHECK(s.verdicts("C04", "process").quick->verdict == "confirmed");
    fs::remove_all(dir);
  }

  TEST_CASE("an unparsable file is moved aside, named in the warning, and replaced") {
    const auto dir = fresh_dir("corrupt");
    fs::create_directories(dir);
    for (const char* text :
         {"{not json", R"({"verdicts":{"C04":{"process":{"because":1}}}})", "[1,2]", ""}) {
      CAPTURE(text);
      std::ofstream(dir / "verdicts.json") << text;
      VerdictStore s(dir / "verdicts.json");
      const auto warning = s.record_run(with_verdict("process", "C04", Verdict::confirmed), "t");
      CHECK(contains(warning, "started afresh"));
      CHECK(contains(warning, (dir / "verdicts.json.corrupt-").string()));
      CHECK(files_named(dir, ".corrupt-") == 1);
      VerdictStore again(dir / "verdicts.json");
      CHECK_FALSE(again.load().has_value());
      CHECK(again.latest("C04", "process")->verdict == "confirmed");
      for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().find(".corrupt-") != std::string::npos) {
          CHECK(contents(e.path()) == text);  // what was there is kept, not lost
          fs::remove(e.path());
        }
      }
    }
    fs::remove_all(dir);
  }

  TEST_CASE("a directory in place of the file is named and left alone") {
    const auto dir = fresh_dir("isdir");
    fs::create_directories(dir / "verdicts.json");
    check_left_alone(dir / "verdicts.json", "is a directory",
                     [&] { return fs::is_directory(dir / "verdicts.json"); });
    fs::remove_all(dir);
  }

  TEST_CASE("a FIFO in place of the file does not block and is left alone") {
    const auto dir = fresh_dir("fifo");
    fs::create_directories(dir);
    REQUIRE(::mkfifo((dir / "verdicts.json").c_str(), 0644) == 0);
    check_left_alone(dir / "verdicts.json", "is a FIFO",
                     [&] { return fs::is_fifo(dir / "verdicts.json"); });
    fs::remove_all(dir);
  }

  TEST_CASE("a dangling symlink and a symlink loop are named and left alone") {
    const auto dir = fresh_dir("links");
    fs::create_directories(dir);
    fs::create_symlink(dir / "nowhere", dir / "verdicts.json");
    check_left_alone(dir / "verdicts.json", "symlink to a missing file", [&] {
      return fs::is_symlink(dir / "verdicts.json") && !fs::exists(dir / "nowhere");
    });
    fs::remove(dir / "verdicts.json");
    fs::create_symlink(dir / "verdicts.json", dir / "verdicts.json");
    check_left_alone(dir / "verdicts.json", "symlink loop",
                     [&] { return fs::is_symlink(dir / "verdicts.json"); });
    fs::remove_all(dir);
  }

  TEST_CASE("a symlink to a good file is followed: the link stays, its target is updated") {
    const auto dir = fresh_dir("goodlink");
    {
      VerdictStore s(dir / "real.json");
      s.record(with_verdict("thread", "C08", Verdict::nuanced), "t");
      s.save();
    }
    fs::create_symlink(dir / "real.json", dir / "verdicts.json");
    VerdictStore s(dir / "verdicts.json");
    CHECK_FALSE(s.record_run(with_verdict("process", "C04", Verdict::confirmed), "t"));
    CHECK(fs::is_symlink(dir / "verdicts.json"));
    VerdictStore real(dir / "real.json");
    CHECK_FALSE(real.load().has_value());
    CHECK(real.latest("C08", "thread")->verdict == "nuanced");
    CHECK(real.latest("C04", "process")->verdict == "confirmed");
    fs::remove_all(dir);
  }

  TEST_CASE("a file its reader may not read is named and left alone") {
    const auto dir = fresh_dir("mode000");
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::all);
    std::ofstream(dir / "verdicts.json") << R"({"verdicts":{}})";
    fs::permissions(dir / "verdicts.json", fs::perms::none);
    // root reads anything: drop to nobody in a child to meet the file as another user would.
    const int status = in_child([&] {
      if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
        return 3;
      }
      VerdictStore s(dir / "verdicts.json");
      const bool named = contains(s.load(), "cannot be read") &&
                         contains(s.record_run(with_verdict("p", "C04", Verdict::confirmed), "t"),
                                  (dir / "verdicts.json").string());
      return named ? 0 : 1;
    });
    CHECK(status == 0);
    fs::permissions(dir / "verdicts.json", fs::perms::owner_read);
    CHECK(contents(dir / "verdicts.json") == R"({"verdicts":{}})");
    CHECK(files_named(dir, ".tmp.") == 0);
    fs::remove_all(dir);
  }

  TEST_CASE("no temporary file is left when the write or the rename fails") {
    const auto dir = fresh_dir("tmpfail");
    fs::create_directories(dir);
    // A full disk, as the file-size limit makes it: write(2) fails with EFBIG.
    const int status = in_child([&] {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit tiny{16, 16};
      ::setrlimit(RLIMIT_FSIZE, &tiny);
      VerdictStore s(dir / "verdicts.json");
      const auto warning = s.record_run(with_verdict("p", "C04", Verdict::confirmed), "t");
      return contains(warning, "could not record") ? 0 : 1;
    });
    CHECK(status == 0);
    CHECK(files_named(dir, ".tmp.") == 0);
    CHECK_FALSE(fs::exists(dir / "verdicts.json"));
    // rename(2) onto a non-empty directory fails.
    fs::create_directories(dir / "verdicts.json" / "inside");
    VerdictStore s(dir / "verdicts.json");
    s.record(with_verdict("p", "C04", Verdict::confirmed), "t");
    CHECK_THROWS_AS(s.save(), std::system_error);
    CHECK(files_named(dir, ".tmp.") == 0);
    fs::remove_all(dir);
  }

  TEST_CASE("concurrent writers keep every lesson's verdicts (read-modify-write is locked)") {
    const auto dir = fresh_dir("concurrent");
    constexpr int kWriters = 4;
    constexpr int kRunsEach = 15;
    std::vector<pid_t> pids;
    for (int w = 0; w < kWriters; ++w) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        VerdictStore s(dir / "verdicts.json");
        for (int i = 0; i < kRunsEach; ++i) {
          if (s.record_run(with_verdict("lesson" + std::to_string(w), "C04", Verdict::confirmed),
                           std::to_string(i))) {
            ::_exit(1);
          }
        }
        ::_exit(0);
      }
      pids.push_back(pid);
    }
    for (const pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    VerdictStore s(dir / "verdicts.json");
    CHECK_FALSE(s.load().has_value());
    for (int w = 0; w < kWriters; ++w) {
      CAPTURE(w);
      CHECK(s.latest("C04", "lesson" + std::to_string(w)).has_value());
    }
    CHECK(files_named(dir, ".tmp.") == 0);
    fs::remove_all(dir);
  }

  TEST_CASE("XDG_STATE_HOME decides where the ledger lives") {
    ::setenv("XDG_STATE_HOME", "/tmp/xdg-test", 1);
    CHECK(VerdictStore::default_path() == fs::path("/tmp/xdg-test/conc-lab/verdicts.json"));
  }
}
