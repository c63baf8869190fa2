#include <doctest/doctest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "report/json_renderer.h"
#include "report/text_layout.h"
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

TEST_SUITE("fitting the width") {
  TEST_CASE("a range whose ends have different units names both units") {
    Report r("t", "t");
    Measurement m;
    m.id = "wake";
    m.label = "wake-up lateness";
    m.unit = "ns";
    m.stats = summarize({7380, 20'000, 3'260'000});
    r.add(m);
    const std::string text = render_text(r, TextStyle::plain(120));
    CHECK(text.find("7.38 µs – 3.26 ms") != std::string::npos);
    CHECK(text.find("7.38 – 3.26 ms") == std::string::npos);
  }

  TEST_CASE("a range in the row's own unit keeps it to the median column") {
    Report r("t", "t");
    Measurement m;
    m.id = "turn";
    m.label = "turn";
    m.unit = "ns";
    m.stats = summarize({3.78e6, 4.0e6, 4.23e6});
    r.add(m);
    CHECK(render_text(r, TextStyle::plain(120)).find("3.78 – 4.23") != std::string::npos);
  }

  TEST_CASE("process and thread ids are printed as the kernel prints them") {
    Report r("t", "t");
    r.add(
        Table{"t",
              "T",
              {"thread", "tid", "parent pid", "count"},
              {{std::string("a"), std::int64_t{123456}, std::int64_t{23456}, std::int64_t{12345}}},
              ""});
    const std::string text = render_text(r, TextStyle::plain(80));
    CHECK(text.find("123456") != std::string::npos);
    CHECK(text.find(" 23456") != std::string::npos);
    CHECK(text.find("12,345") != std::string::npos);
  }

  TEST_CASE("a table too wide for the page wraps its text cells inside their columns") {
    TextGrid g{
        {"name", "what it means"},
        {{"a", std::string(30, 'x') + " " + std::string(30, 'y') + " " + std::string(30, 'z')}},
        {false, false}};
    const auto lines = layout_grid(g, 60);
    CHECK(lines.size() > 3);
    for (const auto& l : lines) {
      CHECK(display_width(l.text) <= 60);
    }
  }

  TEST_CASE("a table with too many columns is stacked, or laid out as records") {
    TextGrid wide{{"N"}, {{"1"}}, {true}};
    for (int c = 0; c < 12; ++c) {
      wide.header.push_back("column " + std::to_string(c));
      wide.rows[0].push_back("value " + std::to_string(c));
      wide.numeric.push_back(false);
    }
    for (const int width : {40, 80}) {
      for (const auto& l : layout_grid(wide, width)) {
        CHECK(display_width(l.text) <= static_cast<std::size_t>(width));
      }
    }
    TextGrid unbreakable{
        {"path", "other path"}, {{std::string(50, 'p'), std::string(50, 'q')}}, {false, false}};
    for (const auto& l : layout_grid(unbreakable, 80)) {
      CHECK(display_width(l.text) <= 80);
    }
  }

  TEST_CASE("a line too long for its row ends with its last whole word and an ellipsis") {
    const std::string title =
        "Concurrency vs parallelism: one job, interleaved on one CPU or spread over several";
    CHECK(elide_words(title, 200) == title);
    const std::string cut = elide_words(title, 77);  // an 80-column menu's status
    CHECK(cut == "Concurrency vs parallelism: one job, interleaved on one CPU or spread over…");
    CHECK(display_width(cut) <= 77);
    CHECK(display_width(elide_words("averylongwordwithoutspaces", 10)) == 10);
    CHECK(elide_words("abc", 0).empty());
  }

  TEST_CASE("a number keeps its unit on its line") {
    const auto lines = wrap_words("waited 4.00 ms", 12);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "4.00 ms");
  }

  TEST_CASE("the rule is printed only on request; the brief view keeps one line per because") {
    Report r("demo", "a demo lesson");
    r.add(ClaimVerdict{"C14", Verdict::confirmed,
                       "a switch costs 1.00 µs against 1.00 ns for a call; so much more text "
                       "follows that it could never fit on one line of the page at all",
                       "ratio > 10"});
    CHECK(render_text(r, TextStyle::plain(80)).find("Rule:") == std::string::npos);
    TextStyle rules = TextStyle::plain(80);
    rules.explain_rules = true;
    CHECK(render_text(r, rules).find("Rule: ratio > 10") != std::string::npos);
    TextStyle brief = TextStyle::plain(80);
    brief.view = TextStyle::View::brief;
    brief.next_lesson = "thread";
    const std::string text = render_text(r, brief);
    CHECK(text.find("a switch costs 1.00 µs against 1.00 ns for a call\n") != std::string::npos);
    CHECK(text.find("so much more") == std::string::npos);
    CHECK(text.find("next: lesson thread — conc-lab lesson thread") != std::string::npos);
  }

  TEST_CASE("colour: the flag decides, else NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, a terminal") {
    ::unsetenv("NO_COLOR");
    ::unsetenv("FORCE_COLOR");
    ::unsetenv("CLICOLOR_FORCE");
    CHECK(want_color("always", false));
    CHECK_FALSE(want_color("never", true));
    CHECK(want_color("auto", true));
    CHECK_FALSE(want_color("auto", false));
    ::setenv("FORCE_COLOR", "1", 1);
    CHECK(want_color("auto", false));
    ::setenv("FORCE_COLOR", "0", 1);
    CHECK_FALSE(want_color("auto", false));
    ::unsetenv("FORCE_COLOR");
    ::setenv("CLICOLOR_FORCE", "1", 1);
    CHECK(want_color("auto", false));
    ::setenv("NO_COLOR", "1", 1);
    CHECK_FALSE(want_color("auto", true));
    CHECK(want_color("always", false));
    ::unsetenv("NO_COLOR");
    ::unsetenv("CLICOLOR_FORCE");
  }
}

TEST_CASE("the first use of a glossary term in the prose is marked, once, as a whole word") {
  Report r("t", "t");
  r.add(Section{"Futexes", "A futexes list, then a futex word. Another futex. tsuna's figure."});
  r.add(Section{"", "    a futex in art is left alone"});
  TextStyle style = TextStyle::plain(120);  // the paragraph on one line
  style.glossary_terms = {"futex", "tsuna"};
  const std::string text = render_text(r, style);
  CHECK(text.find("futexes list") != std::string::npos);
  CHECK(text.find("a futex (see glossary) word") != std::string::npos);
  CHECK(text.find("Another futex.") != std::string::npos);
  CHECK(text.find("tsuna's (see glossary) figure") != std::string::npos);
  CHECK(text.find("art is left alone") != std::string::npos);
  CHECK(render_text(r, TextStyle::plain(80)).find("see glossary") == std::string::npos);
}
