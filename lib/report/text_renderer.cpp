#include "report/text_renderer.h"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "report/units.h"

namespace conc::report {

std::size_t display_width(std::string_view s) {
  // Count every byte that does not continue a multi-byte UTF-8 sequence.
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

namespace {

std::string pad_right(std::string_view s, std::size_t width) {
  std::string out(s);
  for (std::size_t w = display_width(s); w < width; ++w) {
    out += ' ';
  }
  return out;
}

std::string pad_left(std::string_view s, std::size_t width) {
  std::string out;
  for (std::size_t w = display_width(s); w < width; ++w) {
    out += ' ';
  }
  return out + std::string(s);
}

std::string value_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    return format_count(*i);
  }
  return format_number(std::get<double>(v));
}

// Helpers that apply a style only when colour is on.
class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string bold(std::string_view s) const { return paint(s, fmt::emphasis::bold); }
  std::string dim(std::string_view s) const { return paint(s, fmt::emphasis::faint); }
  std::string colored(std::string_view s, fmt::terminal_color c) const {
    return paint(s, fmt::fg(c) | fmt::emphasis::bold);
  }

 private:
  std::string paint(std::string_view s, fmt::text_style st) const {
    return color_ ? fmt::format(st, "{}", s) : std::string(s);
  }
  bool color_;
};

// Paragraphs are re-flowed to the width, except those with an indented line (art, code, lists
// that the lesson laid out itself).
void wrap_into(std::string& out, std::string_view text, int width) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::vector<std::string> para;
  auto flush = [&] {
    if (para.empty()) {
      return;
    }
    bool verbatim = std::any_of(para.begin(), para.end(),
                                [](const std::string& l) { return !l.empty() && l[0] == ' '; });
    if (verbatim) {
      for (const auto& l : para) {
        out += "  " + l + "\n";
      }
    } else {
      std::string current;
      std::istringstream words;
      std::string joined;
      for (const auto& l : para) {
        joined += l + " ";
      }
      words.str(joined);
      std::string word;
      while (words >> word) {
        if (!current.empty() &&
            static_cast<int>(display_width(current) + 1 + display_width(word)) > width - 2) {
          out += "  " + current + "\n";
          current.clear();
        }
        current += (current.empty() ? "" : " ") + word;
      }
      if (!current.empty()) {
        out += "  " + current + "\n";
      }
    }
    out += "\n";
    para.clear();
  };
  while (std::getline(in, line)) {
    if (line.find_first_not_of(' ') == std::string::npos) {
      flush();
    } else {
      para.push_back(line);
    }
  }
  flush();
}

void render_table_rows(std::string& out, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows,
                       const std::vector<bool>& numeric, const Painter& p) {
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = display_width(header[c]);
    for (const auto& r : rows) {
      if (c < r.size()) {
        widths[c] = std::max(widths[c], display_width(r[c]));
      }
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string l = "  ";
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      l += (numeric[c] && !is_header) ? pad_left(cell, widths[c]) : pad_right(cell, widths[c]);
      if (c + 1 < widths.size()) {
        l += "  ";
      }
    }
    while (!l.empty() && l.back() == ' ') {
      l.pop_back();
    }
    out += (is_header ? p.bold(l) : l) + "\n";
  };
  line(header, true);
  std::string rule = "  ";
  for (std::size_t c = 0; c < widths.size(); ++c) {
    rule += std::string(widths[c], '-') + (c + 1 < widths.size() ? "  " : "");
  }
  out += p.dim(rule) + "\n";
  for (const auto& r : rows) {
    line(r, false);
  }
}

void render_table(std::string& out, const Table& t, const Painter& p, int width) {
  out += p.bold(t.title) + "\n";
  std::vector<bool> numeric(t.columns.size(), true);
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c < numeric.size() && std::holds_alternative<std::string>(row[c])) {
        numeric[c] = false;
      }
      r.push_back(value_text(row[c]));
    }
    cells.push_back(std::move(r));
  }
  render_table_rows(out, t.columns, cells, numeric, p);
  if (!t.note.empty()) {
    wrap_into(out, t.note, width);
  } else {
    out += "\n";
  }
}

// For a duration or a size, the divisor and unit that suit `typical`; other units are kept.
std::pair<double, std::string> display_unit(const std::string& unit, double typical) {
  if (unit == "B") {
    const BinaryUnit b = binary_unit(typical);
    return {b.bytes, b.name};
  }
  double ns_per_unit = 0;
  if (unit == "ns") {
    ns_per_unit = 1;
  } else if (unit == "us" || unit == "µs") {
    ns_per_unit = 1e3;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else {
    return {1.0, unit};
  }
  const double ns = std::fabs(typical) * ns_per_unit;
  if (ns >= 1e9) {
    return {1e9 / ns_per_unit, "s"};
  }
  if (ns >= 1e6) {
    return {1e6 / ns_per_unit, "ms"};
  }
  if (ns >= 1e3) {
    return {1e3 / ns_per_unit, "µs"};
  }
  return {1 / ns_per_unit, "ns"};
}

// A run of consecutive measurements is shown as one aligned block.
void render_measurements(std::string& out, const std::vector<const Measurement*>& ms,
                         const Painter& p, int width) {
  std::vector<std::string> header{"measured", "median", "p10 – p90", "min – max", "n"};
  std::vector<std::vector<std::string>> rows;
  for (const auto* m : ms) {
    // Durations and sizes are scaled to one unit per row, chosen by the median ("1.23 µs", not
    // "1,234 ns"); a spread figure that the row's unit would show as 0.0023 or 12,345 carries
    // its own unit instead.
    const auto [scale, unit] = display_unit(m->unit, m->stats.median);
    auto v = [&, s = scale, u = unit](double x) {
      const auto [own_scale, own_unit] = display_unit(m->unit, x);
      if (own_unit == u || x == 0) {
        return format_number(x / s);
      }
      return format_number(x / own_scale) + " " + own_unit;
    };
    const std::string suffix = unit.empty() ? "" : " " + unit;
    // One sample has no spread to show.
    const bool single = m->stats.n <= 1;
    rows.push_back({m->label + (m->trusted ? "" : " (!)"), v(m->stats.median) + suffix,
                    single ? "—" : v(m->stats.p10) + " – " + v(m->stats.p90),
                    single ? "—" : v(m->stats.min) + " – " + v(m->stats.max),
                    std::to_string(m->stats.n)});
  }
  render_table_rows(out, header, rows, {false, true, true, true, true}, p);
  // One line per distinct method, naming every figure measured that way.
  std::vector<std::pair<std::string, std::string>> by_method;  // method, labels
  for (const auto* m : ms) {
    if (m->method.empty()) {
      continue;
    }
    auto it = std::find_if(by_method.begin(), by_method.end(),
                           [&](const auto& e) { return e.first == m->method; });
    if (it == by_method.end()) {
      by_method.emplace_back(m->method, m->label);
    } else {
      it->second += "; " + m->label;
    }
  }
  std::string methods;
  for (const auto& [method, labels] : by_method) {
    methods += "· " + labels + ": " + method + "\n";
  }
  for (const auto* m : ms) {
    if (!m->trusted) {
      methods += "(!) " + m->label + ": " + m->caveat + "\n";
    }
  }
  if (!methods.empty()) {
    std::string wrapped;
    // Each method line is its own paragraph so that it wraps on its own.
    std::istringstream in(methods);
    std::string l;
    while (std::getline(in, l)) {
      wrapped += l + "\n\n";
    }
    std::string body;
    wrap_into(body, wrapped, width);
    // Drop the blank lines that separated the one-line paragraphs.
    std::string compact;
    std::istringstream b(body);
    while (std::getline(b, l)) {
      if (!l.empty()) {
        compact += l + "\n";
      }
    }
    out += p.dim(compact);
  }
  out += "\n";
}

void render_chart(std::string& out, const BarChart& c, const Painter& p, int width) {
  out += p.bold(c.title) + (c.log_scale ? p.dim("  (log scale)") : "") + "\n";
  std::size_t label_w = 0;
  std::size_t note_w = 0;
  double max_v = 0;
  double min_pos = 0;
  for (const auto& b : c.bars) {
    label_w = std::max(label_w, display_width(b.label));
    note_w = std::max(note_w, display_width(b.annotation));
    max_v = std::max(max_v, b.value);
    if (b.value > 0 && (min_pos == 0 || b.value < min_pos)) {
      min_pos = b.value;
    }
  }
  const int bar_room = std::max(10, width - static_cast<int>(label_w + note_w) - 8);
  for (const auto& b : c.bars) {
    double frac = 0;
    if (max_v > 0 && b.value > 0) {
      if (c.log_scale) {
        // Start the scale one decade below the smallest bar so it still shows.
        const double lo = std::log10(min_pos) - 1;
        const double hi = std::log10(max_v);
        frac = hi > lo ? (std::log10(b.value) - lo) / (hi - lo) : 1;
      } else {
        frac = b.value / max_v;
      }
    }
    // Eighth-blocks give the bar sub-character resolution.
    static const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    const double cells = std::clamp(frac, 0.0, 1.0) * bar_room;
    const int whole = static_cast<int>(cells);
    const int eighth = static_cast<int>((cells - whole) * 8);
    std::string bar;
    for (int i = 0; i < whole; ++i) {
      bar += "█";
    }
    bar += kEighths[eighth];
    if (bar.empty() && b.value > 0) {
      bar = "▏";
    }
    out += "  " + pad_right(b.label, label_w) + " │" + bar + " " + b.annotation + "\n";
  }
  out += "\n";
}

void render_timeline(std::string& out, const Timeline& t, const Painter& p) {
  out += p.bold(t.title) + "\n";
  std::size_t label_w = 0;
  for (const auto& l : t.row_labels) {
    label_w = std::max(label_w, display_width(l));
  }
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const std::string label = i < t.row_labels.size() ? t.row_labels[i] : "";
    out += "  " + pad_right(label, label_w) + " │" + t.rows[i] + "│\n";
  }
  if (!t.rows.empty()) {
    std::string axis;
    for (std::size_t c = display_width(t.rows.front()); c > 0; --c) {
      axis += "─";
    }
    out += p.dim(fmt::format("  {} └{}┘ one column = {} ms", std::string(label_w, ' '), axis,
                             format_number(t.bucket_ms))) +
           "\n";
  }
  if (!t.legend.empty()) {
    out += p.dim("  " + t.legend) + "\n";
  }
  out += "\n";
}

void render_verdict(std::string& out, const ClaimVerdict& v, const Painter& p, int width) {
  fmt::terminal_color c = fmt::terminal_color::yellow;
  if (v.verdict == Verdict::confirmed) {
    c = fmt::terminal_color::green;
  } else if (v.verdict == Verdict::contradicted) {
    c = fmt::terminal_color::red;
  } else if (v.verdict == Verdict::not_judged) {
    c = fmt::terminal_color::bright_black;
  }
  std::string word = to_string(v.verdict);
  std::transform(word.begin(), word.end(), word.begin(), [](char ch) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  });
  out += fmt::format("  {} {}\n", p.bold(v.claim), p.colored(word, c));
  std::string body;
  wrap_into(body, v.because + "\n\nRule: " + v.threshold, width - 4);
  std::istringstream in(body);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty()) {
      out += "    " + l + "\n";
    }
  }
  out += "\n";
}

}  // namespace

std::string render_footer(const Report& report) {
  std::string line;
  for (const auto& f : report.env) {
    if (!line.empty()) {
      line += " · ";
    }
    // A bare "%" sticks to its number; other units are words.
    const std::string unit = f.unit.empty() ? "" : (f.unit == "%" ? f.unit : " " + f.unit);
    line += f.label + " " + value_text(f.value) + unit;
  }
  return line;
}

std::string render_text(const Report& report, const TextStyle& style) {
  const Painter p(style.color);
  std::string out;
  out += p.bold(fmt::format("conc-lab · {} · {}", report.lesson, report.title)) +
         (report.quick ? p.dim("  (quick run: smallest honest size)") : "") + "\n\n";
  const auto& order = report.order();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BlockRef& b = order[i];
    switch (b.kind) {
      case BlockRef::Kind::section: {
        const Section& s = report.sections[b.index];
        if (!s.title.empty()) {
          out += p.bold("── " + s.title) + "\n";
        }
        wrap_into(out, s.text, style.width);
        break;
      }
      case BlockRef::Kind::measurement: {
        std::vector<const Measurement*> run;
        while (i < order.size() && order[i].kind == BlockRef::Kind::measurement) {
          run.push_back(&report.measurements[order[i].index]);
          ++i;
        }
        --i;
        render_measurements(out, run, p, style.width);
        break;
      }
      case BlockRef::Kind::table:
        render_table(out, report.tables[b.index], p, style.width);
        break;
      case BlockRef::Kind::chart:
        render_chart(out, report.charts[b.index], p, style.width);
        break;
      case BlockRef::Kind::timeline:
        render_timeline(out, report.timelines[b.index], p);
        break;
      case BlockRef::Kind::verdict:
        if (i == 0 || order[i - 1].kind != BlockRef::Kind::verdict) {
          out += p.bold("── Verdicts for this machine") + "\n";
        }
        render_verdict(out, report.verdicts[b.index], p, style.width);
        break;
      case BlockRef::Kind::warning:
        out += p.colored("  ! ", fmt::terminal_color::yellow);
        {
          std::string body;
          wrap_into(body, report.warnings[b.index], style.width - 2);
          // wrap_into indents by two; the "! " marker already did that for the first line.
          out += body.substr(std::min<std::size_t>(2, body.size()));
        }
        break;
    }
  }
  if (!report.env.empty()) {
    out += p.dim("env: " + render_footer(report)) + "\n";
  }
  return out;
}

}  // namespace conc::report
