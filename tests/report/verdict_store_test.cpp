#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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
Report with_verdict(const std::string& lesson, const std::string& claim, Verdict v) {
  Report r(lesson, "t");
  r.add(ClaimVerdict{claim, v, "because", "rule"});
  return r;
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

  TEST_CASE("a corrupt file gives a warning and an empty ledger") {
    const auto dir = fresh_dir("corrupt");
    fs::create_directories(dir);
    std::ofstream(dir / "verdicts.json") << "{not json";
    VerdictStore s(dir / "verdicts.json");
    const auto warning = s.load();
    REQUIRE(warning.has_value());
    CHECK(warning->find("starting afresh") != std::string::npos);
    s.record(with_verdict("process", "C04", Verdict::confirmed), "t");
    s.save();
    VerdictStore again(dir / "verdicts.json");
    CHECK_FALSE(again.load().has_value());
    fs::remove_all(dir);
  }

  TEST_CASE("XDG_STATE_HOME decides where the ledger lives") {
    ::setenv("XDG_STATE_HOME", "/tmp/xdg-test", 1);
    CHECK(VerdictStore::default_path() == fs::path("/tmp/xdg-test/conc-lab/verdicts.json"));
  }
}
