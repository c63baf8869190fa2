// The HTML handout checked in a real browser (headless Chromium): a live lesson's Report is
// rendered, a copy of the page gets a measuring script (the handout itself has none), and the
// browser, at a 1024 px viewport, reports every chart's size, every table's rows and any
// element wider than the page. A screenshot of the handout is kept beside the test binary.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "lessons/common/lesson.h"
#include "report/handout.h"

namespace {

constexpr const char* kMeasure = R"(<script>
window.addEventListener('load', () => {
  const W = document.documentElement.clientWidth;
  const res = {width: W, svgs: {}, tables: {}, overflow: []};
  document.querySelectorAll('figure').forEach(f => {
    const r = f.querySelector('svg').getBoundingClientRect();
    res.svgs[f.id] = [r.width, r.height];
  });
  document.querySelectorAll('table[id]').forEach(t => { res.tables[t.id] = t.tBodies[0].rows.length; });
  document.querySelectorAll('body *').forEach(e => {
    if (e.getBoundingClientRect().right > W + 1 && !e.closest('.scroll')) res.overflow.push(e.tagName);
  });
  const p = document.createElement('pre');
  p.id = 'conc-result';
  p.textContent = JSON.stringify(res);
  document.body.appendChild(p);
});
</script>)";

constexpr const char* kChromium =
    "chromium-headless-shell --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --window-size=1024,768 ";

std::string run(const std::string& command) {
  std::string out;
  if (std::FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) {
      out.append(buf, n);
    }
    ::pclose(p);
  }
  return out;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The JSON the measuring script left in the dumped DOM.
nlohmann::json browser_measurements(const std::string& dom) {
  const std::string open = "id=\"conc-result\">";
  const auto start = dom.find(open);
  REQUIRE_MESSAGE(start != std::string::npos, "the browser did not run the measuring page");
  const auto end = dom.find("</pre>", start);
  std::string text = dom.substr(start + open.size(), end - start - open.size());
  for (auto pos = text.find("&quot;"); pos != std::string::npos; pos = text.find("&quot;")) {
    text.replace(pos, 6, "\"");
  }
  return nlohmann::json::parse(text);
}

}  // namespace

TEST_CASE(
    "a handout renders in Chromium: charts drawn, tables whole, nothing wider than the page") {
  const auto r = conc::lessons::run_lesson_with_args("concurrency-vs-parallelism", {"--quick"});
  const std::string html = conc::report::render_html(r);
  CHECK(html.find("<script") == std::string::npos);
  write("handout.html", html);
  std::string page = html;
  page.insert(page.rfind("</body>"), kMeasure);
  write("handout_measure.html", page);
  const std::string here = std::filesystem::current_path().string();
  const auto m = browser_measurements(run(std::string(kChromium) +
                                          "--virtual-time-budget=3000 --dump-dom file://" + here +
                                          "/handout_measure.html"));
  CHECK(m["width"].get<int>() <= 1024);
  CHECK(m["overflow"].empty());
  for (const auto& c : r.charts) {
    CAPTURE(c.id);
    REQUIRE(m["svgs"].contains(c.id));
    CHECK(m["svgs"][c.id][0].get<double>() > 0);
    CHECK(m["svgs"][c.id][1].get<double>() > 0);
  }
  for (const auto& t : r.timelines) {
    CAPTURE(t.id);
    REQUIRE(m["svgs"].contains(t.id));
    CHECK(m["svgs"][t.id][1].get<double>() > 0);
  }
  for (const auto& t : r.tables) {
    CAPTURE(t.id);
    REQUIRE(m["tables"].contains(t.id));
    CHECK(m["tables"][t.id].get<std::size_t>() == t.rows.size());
  }
  run(std::string(kChromium) + "--screenshot=" + here +
      "/handout.png --window-size=1024,2400 file://" + here + "/handout.html");
  std::ifstream shot("handout.png");
  CHECK_MESSAGE(shot.good(), "no screenshot was taken");
}
