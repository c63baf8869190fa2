// bench's data type and renderers (the goldens pin a whole saved run: golden_test.cpp).

#include "report/bench_report.h"

#include <stdexcept>

#include <doctest/doctest.h>

namespace conc::report {
namespace {

BenchResult yield_switch() {
  BenchResult r;
  r.bench = "yield_switch";
  r.n = 2000000;
  r.ns_per_op = 26.4;
  r.extra["workers"] = 1;
  r.extra["unit"] = "ns per yield (= per switch)";
  return r;
}

TEST_CASE("a bench JSON line has the peers' keys in Go's order and reads back the same") {
  const std::string line = render_bench_json_line(yield_switch());
  CHECK(line == R"({"peer":"conc-lab","bench":"yield_switch","n":2000000,"ns_per_op":26.4,)"
                R"j("extra":{"workers":1,"unit":"ns per yield (= per switch)"}})j");
  CHECK(render_bench_json_line(bench_result_from_json_line(line)) == line);
}

TEST_CASE("a busy machine's warnings go last into extra, and only when there are some") {
  const std::string line = render_bench_json_line(yield_switch(), {"busy"});
  CHECK(line.find(R"j("unit":"ns per yield (= per switch)","machine_warnings":["busy"]}})j") !=
        std::string::npos);
  CHECK(render_bench_json_line(yield_switch(), {}).find("machine_warnings") == std::string::npos);
}

TEST_CASE("a line that is not a benchmark's is refused with the line in the message") {
  CHECK_THROWS_AS(bench_result_from_json_line("not json"), std::runtime_error);
  CHECK_THROWS_AS(bench_result_from_json_line(R"({"bench":"x","n":1})"), std::runtime_error);
  CHECK_THROWS_AS(bench_result_from_json_line(R"({"bench":"x","n":1.5,"ns_per_op":1})"),
                  std::runtime_error);
  CHECK_THROWS_AS(bench_result_from_json_line(R"({"bench":"x","n":1,"ns_per_op":1,"extra":[]})"),
                  std::runtime_error);
  CHECK_THROWS_WITH(bench_result_from_json_line("[1]"), "not a benchmark's JSON line: [1]");
}

TEST_CASE("the text table printed piece by piece is the whole table") {
  BenchReport report;
  report.results = {yield_switch(), yield_switch()};
  report.results[1].bench = "mem_per_goroutine";
  report.results[1].bytes_per_op = 4139.7;
  report.warnings = {"a warning"};
  const std::string pieces = render_bench_text_head(report.warnings, 80) +
                             render_bench_text_row(report.results[0], 80) +
                             render_bench_text_row(report.results[1], 80);
  CHECK(render_bench_text(report, 80) == pieces);
  CHECK(pieces.find("  ! a warning\n") != std::string::npos);
  CHECK(pieces.find("       4140 B/goroutine\n    26 ns to spawn and park each\n") !=
        std::string::npos);
  CHECK(pieces.find("         26.4 ns\n    ns per yield (= per switch)\n") != std::string::npos);
}

TEST_CASE("a row without a unit in extra has no line under it") {
  BenchResult r = yield_switch();
  r.extra = nlohmann::ordered_json::object();
  const std::string row = render_bench_text_row(r, 80);
  CHECK(row.find('\n') == row.size() - 1);
}

}  // namespace
}  // namespace conc::report
