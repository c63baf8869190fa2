// The HTML handout (handout.h): one page, inline CSS and SVG, no script.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "report/handout.h"
#include "report/units.h"

namespace conc::report {

namespace {

// Chart geometry, in SVG user units (the SVG scales to the page width).
constexpr int kChartWidth = 720;
constexpr int kLabelWidth = 240;
constexpr int kBarHeight = 22;
constexpr int kBarGap = 6;
constexpr int kValueRoom = 120;
// Timeline rows: one per task, the buckets sharing the chart's width.
constexpr int kCellHeight = 16;
constexpr int kTimelineLabelWidth = 160;

constexpr const char* kStyle = R"(
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#fff;color:#1b1b1b}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.kicker{color:#666;margin:0}pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.85rem}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.3rem 0}
.note{color:#555;font-size:.85rem}.warning{background:#fff4d6;border-left:4px solid #e0a800;padding:.4rem .7rem}
.verdict{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;margin:.8rem 0}
.verdict .word{font-weight:700;text-transform:uppercase;margin-left:.5rem}
.confirmed .word{color:#17803d}.nuanced .word{color:#a66a00}.contradicted .word{color:#b42318}
.not-judged .word{color:#666}.rule{color:#555;font-size:.85rem}
svg{width:100%;height:auto;max-width:100%}figure{margin:1rem 0}figcaption{font-weight:600}
footer{margin-top:2rem;color:#555;font-size:.85rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem}
@media print{main{max-width:none}.scroll{overflow:visible}}
)";

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A paragraph the lesson laid out itself (indented lines, art) stays preformatted.
bool laid_out(const std::string& paragraph) {
  std::istringstream in(paragraph);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  ", 0) == 0 || line.rfind("- ", 0) == 0) {
      return true;
    }
  }
  return false;
}

void section_html(std::string& out, const Section& s) {
  out += "<section>";
  if (!s.title.empty()) {
    out += "<h2>" + esc(s.title) + "</h2>";
  }
  std::size_t start = 0;
  while (start <= s.text.size()) {
    const std::size_t end = std::min(s.text.find("\n\n", start), s.text.size());
    const std::string para = s.text.substr(start, end - start);
    if (!para.empty()) {
      out += laid_out(para) ? "<pre>" + esc(para) + "</pre>" : "<p>" + esc(para) + "</p>";
    }
    start = end + 2;
  }
  out += "</section>\n";
}

void measurements_html(std::string& out, const std::vector<const Measurement*>& ms) {
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>measured</th><th>median</th>"
      "<th>p10 – p90</th><th>min – max</th><th>n</th></tr></thead><tbody>";
  for (const Measurement* m : ms) {
    const bool one = m->stats.n <= 1;
    auto v = [&](double x) { return esc(format_value(x, m->unit)); };
    out += fmt::format("<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       esc(m->label), m->trusted ? "" : " (!)", v(m->stats.median),
                       one ? "—" : v(m->stats.p10) + " – " + v(m->stats.p90),
                       one ? "—" : v(m->stats.min) + " – " + v(m->stats.max), m->stats.n);
  }
  out += "</tbody></table></div><ul class=\"note\">";
  for (const Measurement* m : ms) {
    out += "<li>" + esc(m->label) + ": " + esc(m->method) +
           (m->trusted ? "" : " <strong>Untrusted:</strong> " + esc(m->caveat)) + "</li>";
  }
  out += "</ul>\n";
}

void table_html(std::string& out, const Table& t) {
  out += "<div class=\"scroll\"><table id=\"" + esc(t.id) + "\"><caption>" + esc(t.title) +
         "</caption><thead><tr>";
  for (const auto& c : t.columns) {
    out += "<th>" + esc(c) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& c : row) {
      out += "<td>" + esc(cell_text(c)) + "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  if (!t.note.empty()) {
    out += "<p class=\"note\">" + esc(t.note) + "</p>";
  }
  out += "\n";
}

double bar_fraction(const BarChart& c, double value, double top) {
  if (top <= 0 || value <= 0) {
    return 0;
  }
  if (!c.log_scale) {
    return value / top;
  }
  double low = top;
  for (const auto& b : c.bars) {
    low = b.value > 0 ? std::min(low, b.value) : low;
  }
  const double span = std::log10(top) - std::log10(low) + 1;  // one decade below the smallest
  return (std::log10(value) - std::log10(low) + 1) / span;
}

void chart_svg(std::string& out, const BarChart& c) {
  double top = 0;
  for (const auto& b : c.bars) {
    top = std::max(top, b.value);
  }
  const int height = static_cast<int>(c.bars.size()) * (kBarHeight + kBarGap) + kBarGap;
  const int room = kChartWidth - kLabelWidth - kValueRoom;
  out += fmt::format(
      "<figure id=\"{}\"><figcaption>{}{}</figcaption><svg viewBox=\"0 0 {} {}\" role=\"img\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      esc(c.id), esc(c.title), c.log_scale ? " (log scale)" : "", kChartWidth, height);
  int y = kBarGap;
  for (const auto& b : c.bars) {
    const double w = std::max(1.0, bar_fraction(c, b.value, top) * room);
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#3b6fb6\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"13\">{}</text>",
        kLabelWidth - 8, y + kBarHeight - 6, esc(b.label), kLabelWidth, y, w, kBarHeight,
        kLabelWidth + w + 6, y + kBarHeight - 6, esc(b.annotation));
    y += kBarHeight + kBarGap;
  }
  out += "</svg></figure>\n";
}

// A bucket's character picks its colour: the same CPU or state, the same colour everywhere.
std::string cell_colour(char ch) {
  static constexpr const char* kPalette[] = {"#3b6fb6", "#e07b39", "#2f9e44", "#b42318",
                                             "#7048e8", "#0c8599", "#a66a00", "#c2255c"};
  return kPalette[static_cast<unsigned char>(ch) % std::size(kPalette)];
}

// The characters of a timeline row, one per bucket (a bucket may be a multi-byte character:
// "·" is two bytes of UTF-8).
std::vector<std::string> buckets_of(const std::string& row) {
  std::vector<std::string> cells;
  for (std::size_t i = 0; i < row.size();) {
    const auto lead = static_cast<unsigned char>(row[i]);
    const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    cells.push_back(row.substr(i, len));
    i += len;
  }
  return cells;
}

// Blank, "." and "·" mean "not running" in every timeline: they stay empty.
bool is_drawn(const std::string& ch) {
  return ch != " " && ch != "." && ch != "·";
}

// "key:" then a swatch and its character for each colour used, on the SVG's last line.
void timeline_key(std::string& out, const std::vector<std::string>& drawn, int height) {
  if (drawn.empty()) {
    return;
  }
  constexpr int kKeyStep = 44;  // px per swatch and its character
  const int y = height - kCellHeight + 2;
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">key</text>",
                     kTimelineLabelWidth - 6, y + kCellHeight - 6);
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const int x = kTimelineLabelWidth + static_cast<int>(i) * kKeyStep;
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
        x, y, kCellHeight - 4, cell_colour(drawn[i].back()), x + 18, y + kCellHeight - 6,
        esc(drawn[i]));
  }
}

void timeline_svg(std::string& out, const Timeline& t) {
  std::vector<std::vector<std::string>> rows;
  std::size_t buckets = 1;
  for (const auto& r : t.rows) {
    rows.push_back(buckets_of(r));
    buckets = std::max(buckets, rows.back().size());
  }
  const double cell =
      static_cast<double>(kChartWidth - kTimelineLabelWidth) / static_cast<double>(buckets);
  // The characters drawn as colours, in the order they first appear: the key below the rows
  // ties each colour to its character, which the timeline's legend explains.
  std::vector<std::string> drawn;
  for (const auto& row : rows) {
    for (const auto& ch : row) {
      if (is_drawn(ch) && std::find(drawn.begin(), drawn.end(), ch) == drawn.end()) {
        drawn.push_back(ch);
      }
    }
  }
  const int height = static_cast<int>(rows.size()) * kCellHeight + 2 * kCellHeight;
  out += fmt::format(
      "<figure id=\"{}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {} {}\" role=\"img\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      esc(t.id), esc(t.title), kChartWidth, height);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const int y = static_cast<int>(r) * kCellHeight;
    const std::string label = r < t.row_labels.size() ? t.row_labels[r] : "";
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
                       kTimelineLabelWidth - 6, y + kCellHeight - 4, esc(label));
    for (std::size_t b = 0; b < rows[r].size(); ++b) {
      const std::string& ch = rows[r][b];
      if (is_drawn(ch)) {
        out +=
            fmt::format("<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\"/>",
                        kTimelineLabelWidth + static_cast<double>(b) * cell, y + 2, cell,
                        kCellHeight - 4, cell_colour(ch.back()));
      }
    }
  }
  const int scale_y = static_cast<int>(rows.size()) * kCellHeight + kCellHeight - 3;
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">one column = {} ms</text>",
                     kTimelineLabelWidth, scale_y, format_number(t.bucket_ms));
  timeline_key(out, drawn, height);
  out += "</svg>";
  if (!t.legend.empty()) {
    out += "<p class=\"note\">" + esc(t.legend) + "</p>";
  }
  out += "</figure>\n";
}

void verdict_html(std::string& out, const ClaimVerdict& v) {
  std::string cls = to_string(v.verdict);
  std::replace(cls.begin(), cls.end(), ' ', '-');
  if (v.verdict == Verdict::not_judged) {
    cls = "not-judged";
  }
  out += fmt::format(
      "<div class=\"verdict {}\"><strong>{}</strong><span class=\"word\">{}</span><p>{}</p>"
      "<p class=\"rule\">Rule: {}</p></div>\n",
      cls, esc(v.claim), esc(to_string(v.verdict)), esc(v.because), esc(v.threshold));
}

void footer_html(std::string& out, const Report& r) {
  out += "<footer><h2>This machine</h2><dl>";
  for (const auto& f : r.env) {
    out += fmt::format("<dt>{}</dt><dd>{}{}{}</dd>", esc(f.label), esc(cell_text(f.value)),
                       f.unit.empty() ? "" : " ", esc(f.unit));
  }
  out +=
      "</dl><p>Made by conc-lab: every figure on this page was measured in this run.</p>"
      "</footer>";
}

}  // namespace

std::string render_html(const Report& r) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>conc-lab: {}</title><style>{}"
      "</style></head><body><main><header><p class=\"kicker\">conc-lab · lesson {}{}</p><h1>{}"
      "</h1></header>\n",
      esc(r.title), kStyle, esc(r.lesson), r.quick ? " · quick run" : "", esc(r.title));
  bool verdicts_started = false;
  const auto& order = r.order();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BlockRef& b = order[i];
    switch (b.kind) {
      case BlockRef::Kind::section:
        section_html(out, r.sections[b.index]);
        break;
      case BlockRef::Kind::measurement: {
        std::vector<const Measurement*> run;
        for (; i < order.size() && order[i].kind == BlockRef::Kind::measurement; ++i) {
          run.push_back(&r.measurements[order[i].index]);
        }
        --i;
        measurements_html(out, run);
        break;
      }
      case BlockRef::Kind::table:
        table_html(out, r.tables[b.index]);
        break;
      case BlockRef::Kind::chart:
        chart_svg(out, r.charts[b.index]);
        break;
      case BlockRef::Kind::timeline:
        timeline_svg(out, r.timelines[b.index]);
        break;
      case BlockRef::Kind::verdict:
        if (!verdicts_started) {
          out += "<h2>Verdicts for this machine</h2>";
          verdicts_started = true;
        }
        verdict_html(out, r.verdicts[b.index]);
        break;
      case BlockRef::Kind::warning:
        out += "<p class=\"warning\">" + esc(r.warnings[b.index]) + "</p>\n";
        break;
    }
  }
  footer_html(out, r);
  out += "</main></body></html>\n";
  return out;
}

}  // namespace conc::report
