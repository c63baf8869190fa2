// The presenter's seam: an observer sees every block as it is added, in order; the text
// renderer renders any range of blocks exactly as the full page does.

#include <doctest/doctest.h>

#include "report/report.h"
#include "report/text_renderer.h"

using namespace conc::report;

namespace {

struct Recorder : BlockObserver {
  std::vector<BlockRef::Kind> seen;
  std::vector<std::size_t> positions;
  void block_added(const Report& report, std::size_t position) override {
    seen.push_back(report.order()[position].kind);
    positions.push_back(position);
  }
};

Measurement figure(std::string id) {
  Measurement m;
  m.id = std::move(id);
  m.label = "a figure";
  m.unit = "ns";
  m.stats = summarize({1, 2, 3});
  return m;
}

}  // namespace

TEST_SUITE("presenter seam") {
  TEST_CASE("an observer sees every block as it is added, in order") {
    Report r("demo", "demo");
    Recorder rec;
    r.observe(&rec);
    r.add(Section{"one", "text"});
    r.add(figure("a_ns"));
    r.add(Table{"t", "table", {"x"}, {{std::int64_t{1}}}, ""});
    r.warn("careful");
    r.add(ClaimVerdict{"C1", Verdict::confirmed, "because", "rule"});
    CHECK(rec.seen == std::vector<BlockRef::Kind>{
                          BlockRef::Kind::section, BlockRef::Kind::measurement,
                          BlockRef::Kind::table, BlockRef::Kind::warning, BlockRef::Kind::verdict});
    CHECK(rec.positions == std::vector<std::size_t>{0, 1, 2, 3, 4});
    r.observe(nullptr);
    r.add(Section{"two", ""});
    CHECK(rec.seen.size() == 5);  // no observer: add() only appends
  }

  TEST_CASE("the blocks rendered piece by piece make the whole page") {
    Report r("demo", "demo");
    r.add(Section{"one", "first text"});
    r.add(figure("a_ns"));
    r.add(figure("b_ns"));
    r.add(Section{"two", "second text"});
    r.add(ClaimVerdict{"C1", Verdict::nuanced, "because", "rule"});
    const TextStyle style = TextStyle::plain(80);
    const std::string pieces = render_title_text(r, style) + render_blocks(r, 0, 3, style) +
                               render_blocks(r, 3, 5, style) + render_ending(r, style);
    CHECK(pieces == render_text(r, style));
    CHECK(render_blocks(r, 3, 4, style).find("second text") != std::string::npos);
    CHECK(render_blocks(r, 3, 4, style).find("first text") == std::string::npos);
  }

  TEST_CASE("truncate removes the newest blocks and keeps order() in step") {
    Report r("demo", "demo");
    r.add(Section{"one", ""});
    r.add(figure("a_ns"));
    r.add(Section{"two", ""});
    r.add(figure("b_ns"));
    r.warn("w");
    r.truncate(2);
    CHECK(r.order().size() == 2);
    CHECK(r.sections.size() == 1);
    CHECK(r.measurements.size() == 1);
    CHECK(r.warnings.empty());
    CHECK(r.find_measurement("b_ns") == nullptr);
  }
}
