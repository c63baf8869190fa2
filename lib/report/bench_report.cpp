#include "report/bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "report/text_layout.h"

namespace conc::report {

namespace {

// A row's first line: name, n, the figure and its unit (28 + 1 + 10 + 1 + 12 + 1 + 11 = 64
// columns at most); what one op is goes on the lines under it, wrapped, so no row needs more.
constexpr int kNameWidth = 28;
constexpr int kCountWidth = 10;
constexpr int kFigureWidth = 12;
constexpr std::size_t kDetailIndent = 4;
constexpr int kNarrowestPage = 64;
// Warnings are marked as the lessons mark theirs: "  ! " where the first line's indent is.
constexpr std::string_view kWarningMarker = "  ! ";

std::size_t page_width(int width) {
  return static_cast<std::size_t>(std::max(width, kNarrowestPage));
}

// `text` wrapped to the page, every line indented by kDetailIndent columns; `marker` (as wide
// as the indent) stands in the first line's indent.
std::string indented(std::string_view text, int width, std::string_view marker = "") {
  std::string out;
  const std::string pad(kDetailIndent, ' ');
  bool first = true;
  for (const auto& line : wrap_words(text, page_width(width) - kDetailIndent)) {
    out += (first && !marker.empty() ? std::string(marker) : pad) + line + "\n";
    first = false;
  }
  return out;
}

// What one op of `r` is, as the benchmark says it ("" when it does not).
std::string unit_of(const BenchResult& r) {
  const auto unit = r.extra.find("unit");
  return unit != r.extra.end() && unit->is_string() ? unit->get<std::string>() : "";
}

}  // namespace

std::string render_bench_json_line(const BenchResult& r, const std::vector<std::string>& warnings) {
  nlohmann::ordered_json j;
  j["peer"] = "conc-lab";
  j["bench"] = r.bench;
  j["n"] = r.n;
  j["ns_per_op"] = r.ns_per_op;
  if (r.bytes_per_op) {
    j["bytes_per_op"] = *r.bytes_per_op;
  }
  j["extra"] = r.extra;
  if (!warnings.empty()) {
    j["extra"]["machine_warnings"] = warnings;
  }
  return j.dump();
}

BenchResult bench_result_from_json_line(std::string_view line) {
  const auto j = nlohmann::ordered_json::parse(line, nullptr, false);
  using Json = nlohmann::ordered_json;
  const auto number = [](const Json& v) { return v.is_number(); };
  // Whether `key` is there with the right type (`required`: and whether it must be there).
  const auto field_ok = [&j](const char* key, bool required, auto type_ok) {
    return j.contains(key) ? type_ok(j.at(key)) : !required;
  };
  if (!j.is_object() || !field_ok("bench", true, [](const Json& v) { return v.is_string(); }) ||
      !field_ok("n", true, [](const Json& v) { return v.is_number_integer(); }) ||
      !field_ok("ns_per_op", true, number) || !field_ok("bytes_per_op", false, number) ||
      !field_ok("extra", false, [](const Json& v) { return v.is_object(); })) {
    throw std::runtime_error(fmt::format("not a benchmark's JSON line: {}", line));
  }
  BenchResult r;
  r.bench = j["bench"].get<std::string>();
  r.n = j["n"].get<long long>();
  r.ns_per_op = j["ns_per_op"].get<double>();
  if (j.contains("bytes_per_op")) {
    r.bytes_per_op = j["bytes_per_op"].get<double>();
  }
  if (j.contains("extra")) {
    r.extra = j["extra"];
  }
  return r;
}

std::string render_bench_text_head(const std::vector<std::string>& warnings, int width) {
  std::string out;
  for (const auto& line : wrap_words("conc-lab runtime benchmarks (each in its own process; the "
                                     "same programs as the Go peer's bench.go; --json for the "
                                     "peers' JSON lines)",
                                     page_width(width))) {
    out += line + "\n";
  }
  out += "\n";
  for (const auto& w : warnings) {
    out += indented(w, width, kWarningMarker) + "\n";
  }
  out += fmt::format("{:<{}} {:>{}} {:>{}}\n", "bench", kNameWidth, "n", kCountWidth, "per op",
                     kFigureWidth);
  return out;
}

std::string render_bench_text_row(const BenchResult& r, int width) {
  if (r.bytes_per_op) {
    return fmt::format("{:<{}} {:>{}} {:>{}.0f} B/goroutine\n", r.bench, kNameWidth, r.n,
                       kCountWidth, *r.bytes_per_op, kFigureWidth) +
           indented(fmt::format("{:.0f} ns to spawn and park each", r.ns_per_op), width);
  }
  const std::string unit = unit_of(r);
  return fmt::format("{:<{}} {:>{}} {:>{}.1f} ns\n", r.bench, kNameWidth, r.n, kCountWidth,
                     r.ns_per_op, kFigureWidth) +
         (unit.empty() ? "" : indented(unit, width));
}

std::string render_bench_text(const BenchReport& report, int width) {
  std::string out = render_bench_text_head(report.warnings, width);
  for (const auto& r : report.results) {
    out += render_bench_text_row(r, width);
  }
  return out;
}

std::string render_bench_json(const BenchReport& report) {
  std::string out;
  for (const auto& r : report.results) {
    out += render_bench_json_line(r, report.warnings) + "\n";
  }
  return out;
}

}  // namespace conc::report
