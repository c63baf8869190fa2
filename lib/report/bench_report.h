#pragma once
// `conc-lab bench` as data, and its two renderers: a text table that fits the page, and the
// peers' JSON lines (the Go and Boost.Fiber peers print the same shape, one line per benchmark,
// so that scripts/bench and the peers' report tool can put them side by side).
//
// bench prints each row as its benchmark's process ends, so the text comes in pieces (the head,
// then one row at a time); render_bench_text() is those pieces joined, and what the goldens pin.
// The machine's warnings are data the caller passes in (lib/report knows no lesson's rules).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conc::report {

// One benchmark's result, as the benchmark's own process reports it.
struct BenchResult {
  std::string bench;
  long long n = 0;
  double ns_per_op = 0;
  std::optional<double> bytes_per_op;  // memory benchmarks only
  // What else the benchmark measured, in the order it says it; "unit" says what one op is.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// A whole run: the results in the order they ran, and the warnings about the machine taken
// before the first benchmark (a busy or stolen-from machine makes every timing noisy).
struct BenchReport {
  std::vector<BenchResult> results;
  std::vector<std::string> warnings;
};

// The peers' JSON line, no newline, keys in Go's order:
//   {"peer":"conc-lab","bench":..,"n":..,"ns_per_op":..[,"bytes_per_op":..],"extra":{..}}
// With warnings, they go last into extra as "machine_warnings" (the peers and scripts/bench
// read only the keys before extra, and extra's keys differ by benchmark anyway); without any,
// the line is byte for byte what bench printed before this renderer existed.
std::string render_bench_json_line(const BenchResult& r,
                                   const std::vector<std::string>& warnings = {});
// The inverse, for the line a benchmark's process printed: render_bench_json_line() of the
// result gives the same bytes back. Throws std::runtime_error when the line is not one.
BenchResult bench_result_from_json_line(std::string_view line);

// Text: what the table is, the warnings, the column heads; then one row per benchmark (its
// figure, then what one op is on the line below). Every line fits `width` (at least 64).
std::string render_bench_text_head(const std::vector<std::string>& warnings, int width);
std::string render_bench_text_row(const BenchResult& r, int width);

std::string render_bench_text(const BenchReport& report, int width);
// The JSON lines of every result, each ending in a newline.
std::string render_bench_json(const BenchReport& report);

}  // namespace conc::report
