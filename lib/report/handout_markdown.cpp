// The Markdown handout (handout.h) and format_value, which both handouts use.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/handout.h"
#include "report/units.h"

namespace conc::report {

namespace {

// Width of the longest bar in a text chart, in characters.
constexpr int kMarkdownBarWidth = 40;

std::string cell_md(const Value& v) {
  const std::string s = cell_text(v);
  std::string out;
  for (char c : s) {
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  }
  return out;
}

void row_md(std::string& out, const std::vector<std::string>& cells) {
  out += "|";
  for (const auto& c : cells) {
    out += " " + c + " |";
  }
  out += "\n";
}

void table_md(std::string& out, const Table& t) {
  out += "**" + t.title + "**\n\n";
  row_md(out, t.columns);
  row_md(out, std::vector<std::string>(t.columns.size(), "---"));
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const auto& c : row) {
      cells.push_back(cell_md(c));
    }
    row_md(out, cells);
  }
  out += t.note.empty() ? "\n" : "\n_" + t.note + "_\n\n";
}

void measurements_md(std::string& out, const std::vector<const Measurement*>& ms) {
  row_md(out, {"measured", "median", "p10 – p90", "n"});
  row_md(out, {"---", "---", "---", "---"});
  for (const Measurement* m : ms) {
    const bool one = m->stats.n <= 1;
    row_md(out,
           {m->label + (m->trusted ? "" : " (!)"), format_value(m->stats.median, m->unit),
            one ? "—"
                : format_value(m->stats.p10, m->unit) + " – " + format_value(m->stats.p90, m->unit),
            std::to_string(m->stats.n)});
  }
  out += "\n";
  for (const Measurement* m : ms) {
    out += "- " + m->label + ": " + m->method + (m->trusted ? "" : " **Untrusted:** " + m->caveat) +
           "\n";
  }
  out += "\n";
}

void chart_md(std::string& out, const BarChart& c) {
  double top = 0;
  std::size_t label_w = 0;
  for (const auto& b : c.bars) {
    top = std::max(top, b.value);
    label_w = std::max(label_w, b.label.size());
  }
  out += "**" + c.title + "**" + (c.log_scale ? " (log scale)" : "") + "\n\n```\n";
  for (const auto& b : c.bars) {
    double f = top > 0 ? b.value / top : 0;
    if (c.log_scale && top > 0 && b.value > 0) {
      f = std::max(0.0, 1 + std::log10(b.value / top) / 4);  // four decades across
    }
    const int n = std::max(b.value > 0 ? 1 : 0, static_cast<int>(f * kMarkdownBarWidth));
    out += fmt::format("{:<{}} |{} {}\n", b.label, label_w, std::string(n, '#'), b.annotation);
  }
  out += "```\n\n";
}

void timeline_md(std::string& out, const Timeline& t) {
  std::size_t label_w = 0;
  for (const auto& l : t.row_labels) {
    label_w = std::max(label_w, l.size());
  }
  out += "**" + t.title + "** (one column = " + format_number(t.bucket_ms) + " ms)\n\n```\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    out += fmt::format("{:<{}} |{}|\n", r < t.row_labels.size() ? t.row_labels[r] : "", label_w,
                       t.rows[r]);
  }
  out += "```\n" + (t.legend.empty() ? "" : "\n" + t.legend + "\n") + "\n";
}

}  // namespace

std::string cell_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    return format_count(*i);
  }
  return format_number(std::get<double>(v));
}

std::string format_value(double value, const std::string& unit) {
  if (unit == "ns") {
    return format_ns(value);
  }
  if (unit == "us" || unit == "µs") {
    return format_ns(value * 1e3);
  }
  if (unit == "ms") {
    return format_ns(value * 1e6);
  }
  if (unit == "B") {
    return format_bytes(value);
  }
  return unit.empty() ? format_number(value) : format_number(value) + " " + unit;
}

std::string render_markdown(const Report& r) {
  std::string out = "# " + r.title + "\n\n_conc-lab · lesson " + r.lesson +
                    (r.quick ? " · quick run" : "") + "_\n\n";
  bool verdicts_started = false;
  const auto& order = r.order();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BlockRef& b = order[i];
    switch (b.kind) {
      case BlockRef::Kind::section: {
        const Section& s = r.sections[b.index];
        out += (s.title.empty() ? "" : "## " + s.title + "\n\n") + s.text + "\n\n";
        break;
      }
      case BlockRef::Kind::measurement: {
        std::vector<const Measurement*> run;
        for (; i < order.size() && order[i].kind == BlockRef::Kind::measurement; ++i) {
          run.push_back(&r.measurements[order[i].index]);
        }
        --i;
        measurements_md(out, run);
        break;
      }
      case BlockRef::Kind::table:
        table_md(out, r.tables[b.index]);
        break;
      case BlockRef::Kind::chart:
        chart_md(out, r.charts[b.index]);
        break;
      case BlockRef::Kind::timeline:
        timeline_md(out, r.timelines[b.index]);
        break;
      case BlockRef::Kind::verdict: {
        if (!verdicts_started) {
          out += "## Verdicts for this machine\n\n";
          verdicts_started = true;
        }
        const ClaimVerdict& v = r.verdicts[b.index];
        out += "- **" + v.claim + " " + to_string(v.verdict) + "**: " + v.because +
               "  \n  _Rule: " + v.threshold + "_\n";
        break;
      }
      case BlockRef::Kind::warning:
        out += "> **Note:** " + r.warnings[b.index] + "\n\n";
        break;
    }
  }
  out += "\n## This machine\n\n";
  for (const auto& f : r.env) {
    out += "- " + f.label + ": " + cell_md(f.value) + (f.unit.empty() ? "" : " " + f.unit) + "\n";
  }
  return out;
}

}  // namespace conc::report
