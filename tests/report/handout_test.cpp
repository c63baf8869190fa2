#include "report/handout.h"

#include <doctest/doctest.h>

using namespace conc::report;

namespace {
Report handout_sample() {
  Report r("demo", "a <demo> lesson");
  r.env.push_back({"kernel", "kernel", std::string("6.6.0"), ""});
  r.add(Section{"The claim", "Switches cost time & money.\n\n  laid out\n  by hand"});
  Measurement m;
  m.id = "switch_ns";
  m.label = "thread switch";
  m.unit = "ns";
  m.stats = summarize({1000, 2000, 3000});
  m.method = "ping-pong";
  m.trusted = false;
  m.caveat = "too few switches";
  r.add(m);
  r.add(Table{"t", "A table", {"name", "value"}, {{std::string("a|b"), std::int64_t{1234}}}, ""});
  r.add(BarChart{"c", "A chart", "ns", true, {{"call", 2, "2 ns"}, {"switch", 2000, "2 µs"}}});
  r.add(Timeline{"tl", "A timeline", 1.0, {"task 0"}, {"0011.."}, "0/1 = CPU"});
  r.add(ClaimVerdict{"C14", Verdict::nuanced, "switch 1000x a call", "ratio > 10"});
  r.warn("noisy");
  return r;
}
}  // namespace

TEST_SUITE("handouts") {
  TEST_CASE("HTML: one self-contained page, escaped, every block drawn, no script") {
    const std::string html = render_html(handout_sample());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http") == html.find("http://www.w3.org/2000/svg"));  // no fetch
    CHECK(html.find("a &lt;demo&gt; lesson") != std::string::npos);
    CHECK(html.find("time &amp; money") != std::string::npos);
    CHECK(html.find("<pre>  laid out\n  by hand</pre>") != std::string::npos);
    CHECK(html.find("<figure id=\"c\">") != std::string::npos);
    CHECK(html.find("<figure id=\"tl\">") != std::string::npos);
    CHECK(html.find("<table id=\"t\">") != std::string::npos);
    CHECK(html.find("<td>2.00 µs</td>") != std::string::npos);  // the median, in its unit
    CHECK(html.find("Untrusted:") != std::string::npos);
    CHECK(html.find("Rule: ratio &gt; 10") != std::string::npos);
    CHECK(html.find("class=\"verdict nuanced\"") != std::string::npos);
  }

  TEST_CASE("Markdown: tables as tables, charts and timelines as text") {
    const std::string md = render_markdown(handout_sample());
    CHECK(md.rfind("# a <demo> lesson", 0) == 0);
    CHECK(md.find("| name | value |\n| --- | --- |\n| a\\|b | 1,234 |") != std::string::npos);
    CHECK(md.find("switch |########################################") != std::string::npos);
    CHECK(md.find("task 0 |0011..|") != std::string::npos);
    CHECK(md.find("- **C14 nuanced**: switch 1000x a call") != std::string::npos);
  }

  TEST_CASE("values carry their best unit") {
    CHECK(format_value(1500, "ns") == "1.50 µs");
    CHECK(format_value(2048, "B") == "2.00 KiB");
    CHECK(format_value(3, "switches") == "3.00 switches");
  }
}
