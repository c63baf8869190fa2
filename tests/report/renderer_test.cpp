#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "report/json_renderer.h"
#include "report/text_renderer.h"

using namespace conc::report;

namespace {
Report sample() {
  Report r("demo", "a demo lesson");
  r.env.push_back({"kernel", "kernel", std::string("6.6.0"), ""});
  r.add(Section{"The claim", "Switches cost time."});
  Measurement m;
  m.id = "switch_ns";
  m.label = "thread switch";
  m.unit = "ns";
  m.stats = summarize({100, 200, 300});
  m.method = "ping-pong";
  r.add(m);
  r.add(Table{"t", "A table", {"name", "value"}, {{std::string("a"), std::int64_t{1}}}, "note"});
  r.add(BarChart{"c", "A chart", "ns", true, {{"call", 2, "2 ns"}, {"switch", 2000, "2 µs"}}});
  r.add(Timeline{"tl", "A timeline", 1.0, {"task 0"}, {"0011"}, "0/1 = CPU"});
  r.add(ClaimVerdict{"C14", Verdict::confirmed, "switch 1000x a call", "ratio > 10"});
  r.warn("noisy");
  return r;
}
}  // namespace

TEST_SUITE("renderers") {
  TEST_CASE("the JSON document has every documented key") {
    const auto doc = nlohmann::json::parse(render_json(sample()));
    for (const char* key :
         {"schema_version", "lesson", "title", "quick", "env", "sections", "measurements", "tables",
          "charts", "timelines", "verdicts", "warnings"}) {
      CHECK_MESSAGE(doc.contains(key), key);
    }
    const auto& m = doc["measurements"][0];
    for (const char* key :
         {"id", "label", "unit", "median", "p10", "p90", "min", "max", "n", "method"}) {
      CHECK_MESSAGE(m.contains(key), key);
    }
    CHECK(m["median"] == 200.0);
    const auto& v = doc["verdicts"][0];
    CHECK(v["claim"] == "C14");
    CHECK(v["verdict"] == "confirmed");
    CHECK(v["threshold"] == "ratio > 10");
    CHECK(doc["env"]["kernel"] == "6.6.0");
    CHECK(doc["tables"][0]["rows"][0][1] == 1);
  }

  TEST_CASE("text shows every block, in order, without colour codes when colour is off") {
    const std::string text = render_text(sample(), TextStyle::plain(80));
    const auto claim = text.find("The claim");
    const auto measured = text.find("thread switch");
    const auto verdict = text.find("CONFIRMED");
    CHECK(claim != std::string::npos);
    CHECK(measured > claim);
    CHECK(verdict > measured);
    CHECK(text.find("A timeline") != std::string::npos);
    CHECK(text.find("env: kernel 6.6.0") != std::string::npos);
    CHECK(text.find('\x1b') == std::string::npos);
  }

  TEST_CASE("colour adds escape codes") {
    CHECK(render_text(sample(), TextStyle::plain(80, true)).find('\x1b') != std::string::npos);
  }

  TEST_CASE("a log-scale chart still draws the smallest bar") {
    const std::string text = render_text(sample(), TextStyle::plain(80));
    const auto call_line = text.substr(text.find("call"), 40);
    CHECK(call_line.find("█") != std::string::npos);
  }

  TEST_CASE("table columns line up whatever the UTF-8 width of the cells") {
    Report r("t", "t");
    r.add(Table{"t",
                "T",
                {"a", "b"},
                {{std::string("µs"), std::int64_t{1}}, {std::string("ab"), std::int64_t{22}}},
                ""});
    const std::string text = render_text(r, TextStyle::plain(80));
    CHECK(text.find("  µs   1\n") != std::string::npos);
    CHECK(text.find("  ab  22\n") != std::string::npos);
  }

  TEST_CASE("display width counts code points") {
    CHECK(display_width("µs") == 2);
    CHECK(display_width("█▏") == 2);
  }
}
