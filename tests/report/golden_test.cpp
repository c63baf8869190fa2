// Golden tests of the renderers: every saved Report in golden/saved/ (a real run's JSON, so the
// measurements are fixed) is rendered as text at 80 and 120 columns and as JSON, and compared
// byte for byte with golden/expected/. Set CONC_UPDATE_GOLDEN=1 to rewrite the expected files
// instead, so that an intended change to a renderer is a reviewed diff (see golden/README).

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "report/bench_report.h"
#include "report/claims_ledger.h"
#include "report/json_reader.h"
#include "report/json_renderer.h"
#include "report/lesson_list.h"
#include "report/text_renderer.h"
#include "report/verdict_store.h"

namespace conc::report {
namespace {

const std::filesystem::path kGoldenDir = CONC_GOLDEN_DIR;
// The lessons in the notes' order (as `conc-lab list`), then the other pages.
const char* const kSaved[] = {"concurrency-vs-parallelism",
                              "process",
                              "thread",
                              "context-switch",
                              "c10k",
                              "stack",
                              "data-race",
                              "locking",
                              "deadlock",
                              "goroutines",
                              "channels",
                              "select",
                              "sync",
                              "waitgroup",
                              "info"};
constexpr std::size_t kLessonCount = std::size(kSaved) - 1;

// What a page looks like at `width`: the next lesson named as the app names it.
TextStyle style_for(std::size_t index, int width) {
  TextStyle style = TextStyle::plain(width);
  if (index + 1 < kLessonCount) {
    style.next_lesson = kSaved[index + 1];
  }
  return style;
}

// Lines wider than `width` columns, with their numbers, for the failure message.
std::string too_wide(const std::string& text, std::size_t width) {
  std::string found;
  std::size_t number = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    ++number;
    if (display_width(l) > width) {
      found += "line " + std::to_string(number) + " (" + std::to_string(display_width(l)) +
               " columns): " + l + "\n";
    }
  }
  return found;
}

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

Report saved(const std::string& name) {
  return report_from_json_text(slurp(kGoldenDir / "saved" / (name + ".json")));
}

TEST_CASE("every renderer prints saved Reports exactly as the goldens say") {
  for (std::size_t i = 0; i < std::size(kSaved); ++i) {
    const std::string name = kSaved[i];
    CAPTURE(name);
    const Report r = saved(name);
    check_golden(render_text(r, style_for(i, 80)), name + ".w80.txt");
    check_golden(render_text(r, style_for(i, 120)), name + ".w120.txt");
    TextStyle brief = style_for(i, 80);
    brief.view = TextStyle::View::brief;
    check_golden(render_text(r, brief), name + ".brief.txt");
    check_golden(render_json(r), name + ".json");
  }
}

// A fixed syllabus for `list` and `claims`: not the registry's, so lessons can change freely.
std::vector<ListedLesson> fixed_lessons() {
  return {{"process", "What a process is", {"C04", "C05"}},
          {"thread", "Threads share one process", {"C04", "C09"}},
          {"context-switch", "What a context switch costs", {"C14"}}};
}

std::vector<CatalogueClaim> fixed_catalogue() {
  return {{"C04", "A process is one running instance of a program"},
          {"C05", "A process is the environment a program runs in (memory, files, limits)"},
          {"C09", "Each thread has a stack of its own"},
          {"C14", "A context switch is expensive next to ordinary work"},
          {"C30", "A goroutine function call costs about 3 extra instructions"}};
}

TEST_CASE("list wraps a long title in its column at 80 columns") {
  const std::vector<ListedLesson> lessons = {
      {"concurrency-vs-parallelism",
       "Concurrency vs parallelism: one job, interleaved on one CPU or spread over several",
       {"C01", "C02"}}};
  const std::string text = lesson_list_text(lessons, 80);
  CHECK_MESSAGE(too_wide(text, 80).empty(), too_wide(text, 80));
  CHECK(text ==
        " 1. concurrency-vs-parallelism   Concurrency vs parallelism: one job,\n"
        "                                 interleaved on one CPU or spread over several\n"
        "    claims C01 C02\n");
  // A terminal narrower than the name's column still gets the whole title, in short lines.
  CHECK(lesson_list_text(lessons, 40).find("spread over several") != std::string::npos);
}

TEST_CASE("list and claims print fixed inputs exactly as the goldens say") {
  check_golden(lesson_list_text(fixed_lessons(), 100), "list.txt");
  check_golden(lesson_list_json(fixed_lessons()).dump(2) + "\n", "list.json");
  // A copy, because loading takes a lock file beside the ledger: none in the source tree.
  const auto dir =
      std::filesystem::temp_directory_path() / ("conc_golden_ledger_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kGoldenDir / "saved" / "verdicts.json", dir / "verdicts.json",
                             std::filesystem::copy_options::overwrite_existing);
  VerdictStore store(dir / "verdicts.json");
  REQUIRE_FALSE(store.load().has_value());
  std::filesystem::remove_all(dir);
  ClaimsLedger ledger = build_claims_ledger(fixed_catalogue(), fixed_lessons(), store);
  ledger.state_file = "~/.local/state/conc-lab/verdicts.json";  // not this checkout's path
  const std::string text = render_text(claims_ledger_report(ledger), TextStyle::plain(80));
  CHECK_MESSAGE(too_wide(text, 80).empty(), too_wide(text, 80));
  check_golden(text, "claims.w80.txt");
  check_golden(claims_ledger_json(ledger).dump(2) + "\n", "claims.json");
}

// saved/bench.jsonl: the lines of a real `bench --json` (one run of every benchmark).
BenchReport saved_bench(std::vector<std::string> warnings = {}) {
  BenchReport report;
  std::istringstream in(slurp(kGoldenDir / "saved" / "bench.jsonl"));
  for (std::string line; std::getline(in, line);) {
    report.results.push_back(bench_result_from_json_line(line));
  }
  report.warnings = std::move(warnings);
  return report;
}

TEST_CASE("bench prints a saved run exactly as the goldens say, and its JSON lines unchanged") {
  const BenchReport quiet = saved_bench();
  REQUIRE(quiet.results.size() == 15);
  // The peers' line format, byte for byte: what the benchmarks' processes printed comes back.
  CHECK(render_bench_json(quiet) == slurp(kGoldenDir / "saved" / "bench.jsonl"));
  check_golden(render_bench_json(quiet), "bench.jsonl");
  for (const int width : {80, 120}) {
    CAPTURE(width);
    const std::string text = render_bench_text(quiet, width);
    CHECK_MESSAGE(too_wide(text, static_cast<std::size_t>(width)).empty(),
                  too_wide(text, static_cast<std::size_t>(width)));
    check_golden(text, "bench.w" + std::to_string(width) + ".txt");
  }
  // A busy machine (two fixed warnings, as the lessons' noise rule words them).
  const BenchReport busy = saved_bench(
      {"busy machine: 3 other task(s) wanted a CPU throughout a 200 ms sample, on 2 CPU(s) "
       "(warned from 1.0 per CPU); they compete with every experiment, so expect noisy figures",
       "the hypervisor took 12% of CPU time while we sampled (warned above 5%): steal time "
       "makes timings jump"});
  const std::string text = render_bench_text(busy, 80);
  CHECK_MESSAGE(too_wide(text, 80).empty(), too_wide(text, 80));
  check_golden(text, "bench.busy.w80.txt");
  check_golden(render_bench_json(busy), "bench.busy.jsonl");
}

TEST_CASE("every saved page fits 80 and 120 columns, with and without the rules") {
  for (std::size_t i = 0; i < std::size(kSaved); ++i) {
    const std::string name = kSaved[i];
    CAPTURE(name);
    const Report r = saved(name);
    for (const int width : {80, 120}) {
      CAPTURE(width);
      TextStyle style = style_for(i, width);
      CHECK_MESSAGE(too_wide(render_text(r, style), width).empty(),
                    too_wide(render_text(r, style), width));
      style.explain_rules = true;
      CHECK_MESSAGE(too_wide(render_text(r, style), width).empty(),
                    too_wide(render_text(r, style), width));
    }
  }
}

TEST_CASE("the brief view of every lesson fits one 40-row screen at 80 columns") {
  constexpr std::size_t kScreenRows = 40;
  for (std::size_t i = 0; i < kLessonCount; ++i) {
    const std::string name = kSaved[i];
    CAPTURE(name);
    TextStyle brief = style_for(i, 80);
    brief.view = TextStyle::View::brief;
    const std::string text = render_text(saved(name), brief);
    CHECK(lines_of(text).size() <= kScreenRows);
    CHECK(too_wide(text, 80).empty());
    CHECK(text.find("Rule:") == std::string::npos);
    if (i + 1 < kLessonCount) {
      CHECK(text.find("next: lesson " + std::string(kSaved[i + 1])) != std::string::npos);
    }
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
