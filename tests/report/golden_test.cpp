// Golden tests of the renderers: every saved Report in golden/saved/ (a real run's JSON, so the
// measurements are fixed) is rendered as text at 80 and 120 columns and as JSON, and compared
// byte for byte with golden/expected/. Set CONC_UPDATE_GOLDEN=1 to rewrite the expected files
// instead, so that an intended change to a renderer is a reviewed diff (see golden/README).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "report/json_reader.h"
#include "report/json_renderer.h"
#include "report/text_renderer.h"

namespace conc::report {
namespace {

const std::filesystem::path kGoldenDir = CONC_GOLDEN_DIR;
const char* const kSaved[] = {
    "concurrency-vs-parallelism", "process", "thread", "context-switch", "c10k", "stack", "info"};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    lines.push_back(l);
  }
  return lines;
}

// The first line that differs, with its neighbours, as a unified-diff-like excerpt.
std::string first_difference(const std::string& expected, const std::string& actual) {
  const auto want = lines_of(expected);
  const auto got = lines_of(actual);
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) {
    ++i;
  }
  std::ostringstream out;
  out << "first difference at line " << i + 1 << " (expected " << want.size() << " lines, got "
      << got.size() << ")\n";
  for (std::size_t k = i >= 2 ? i - 2 : 0; k < i; ++k) {
    out << "  " << want[k] << "\n";
  }
  for (std::size_t k = i; k < std::min(want.size(), i + 3); ++k) {
    out << "- " << want[k] << "\n";
  }
  for (std::size_t k = i; k < std::min(got.size(), i + 3); ++k) {
    out << "+ " << got[k] << "\n";
  }
  if (i == want.size() && i == got.size()) {
    out << "(the lines agree; the ends of the files differ, e.g. a final newline)\n";
  }
  return out.str();
}

void check_golden(const std::string& actual, const std::string& file_name) {
  const std::filesystem::path path = kGoldenDir / "expected" / file_name;
  const char* update = std::getenv("CONC_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    MESSAGE("rewrote " << path.string());
    return;
  }
  const std::string expected = slurp(path);
  INFO("golden file " << path.string()
                      << " (CONC_UPDATE_GOLDEN=1 rewrites it after an intended change)");
  if (expected != actual) {
    CHECK_MESSAGE(false, first_difference(expected, actual));
  }
}

TEST_CASE("every renderer prints saved Reports exactly as the goldens say") {
  for (const std::string name : kSaved) {
    CAPTURE(name);
    const Report r = report_from_json_text(slurp(kGoldenDir / "saved" / (name + ".json")));
    check_golden(render_text(r, TextStyle::plain(80)), name + ".w80.txt");
    check_golden(render_text(r, TextStyle::plain(120)), name + ".w120.txt");
    check_golden(render_json(r), name + ".json");
  }
}

TEST_CASE("a saved Report's JSON comes back unchanged through the reader") {
  for (const std::string name : kSaved) {
    CAPTURE(name);
    const std::string saved = slurp(kGoldenDir / "saved" / (name + ".json"));
    CHECK(render_json(report_from_json_text(saved)) == saved);
  }
}

TEST_CASE("the reader names what is wrong with a document that is not a Report") {
  CHECK_THROWS_WITH_AS(report_from_json_text("{"), "report JSON: not a JSON document",
                       ReportReadError);
  CHECK_THROWS_WITH_AS(report_from_json_text(R"({"schema_version": 1})"),
                       "report JSON: missing key \"lesson\"", ReportReadError);
  CHECK_THROWS_WITH_AS(report_from_json_text(R"({"schema_version": 99})"),
                       "report JSON: schema_version 99, this build reads 1", ReportReadError);
  CHECK_THROWS_WITH_AS(report_from_json_text(R"({"schema_version": "1"})"),
                       "report JSON: key \"schema_version\" has the wrong type", ReportReadError);
}

TEST_CASE("the reader keeps integers and reals apart in table cells") {
  const Report r = report_from_json_text(R"({"schema_version": 1, "lesson": "x", "title": "t",
    "quick": true, "env": {"hz": 250, "load": 0.5, "cpu": "A"}, "sections": [],
    "measurements": [], "charts": [], "timelines": [], "verdicts": [
      {"claim": "C01", "verdict": "could not judge", "because": "b", "threshold": "t",
       "quick": true}], "warnings": ["w"],
    "tables": [{"id": "i", "title": "T", "columns": ["a", "b", "c"], "rows": [["s", 3, 2.5]],
                "note": ""}]})");
  REQUIRE(r.tables.size() == 1);
  CHECK(std::get<std::string>(r.tables[0].rows[0][0]) == "s");
  CHECK(std::get<std::int64_t>(r.tables[0].rows[0][1]) == 3);
  CHECK(std::get<double>(r.tables[0].rows[0][2]) == 2.5);
  CHECK(r.verdicts[0].verdict == Verdict::not_judged);
  CHECK(r.quick);
  CHECK(r.order().size() == 3);  // the table, the verdict, the warning
}

}  // namespace
}  // namespace conc::report
