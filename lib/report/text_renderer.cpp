#include "report/text_renderer.h"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "report/units.h"

namespace conc::report {

namespace {

// Below this the page cannot be laid out sensibly; narrower terminals get 40-column lines.
constexpr int kNarrowestWidth = 40;

// A column of process or thread ids: its integers are printed as the kernel prints them (no
// thousands separators), so they can be pasted into /proc/<pid>/...
bool is_id_column(std::string_view header) {
  const auto space = header.find_last_of(" (");
  const std::string_view last = space == std::string_view::npos ? header : header.substr(space + 1);
  return last == "pid" || last == "tid" || last == "PID" || last == "TID";
}

std::string value_text(const Value& v, bool id = false) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    return id ? std::to_string(*i) : format_count(*i);
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

std::size_t columns_of(int width) {
  return static_cast<std::size_t>(std::max(width, kNarrowestWidth));
}

// A line the lesson laid out itself, indented by two. One wider than the page (a runtime's
// report quoted whole, say) is broken between words, the rest indented under its start, rather
// than left for the terminal to wrap at column 0.
std::string verbatim_line(const std::string& line, int width) {
  const std::size_t room = columns_of(width) - 2;
  if (display_width(line) <= room) {
    return "  " + line + "\n";
  }
  const std::size_t indent = std::min(line.find_first_not_of(' '), room / 2);
  std::string out;
  bool first = true;
  std::string rest = line.substr(line.find_first_not_of(' '));
  while (!rest.empty()) {
    const std::size_t lead = indent + (first ? 0 : 4);
    const auto pieces = wrap_words(rest, room - lead);
    out += "  " + std::string(lead, ' ') + pieces.front() + "\n";
    // What is left after the first piece, re-wrapped at the continuation indent.
    std::string left;
    for (std::size_t i = 1; i < pieces.size(); ++i) {
      left += (left.empty() ? "" : " ") + pieces[i];
    }
    rest = std::move(left);
    first = false;
  }
  return out;
}

// Follows the first use of each glossary term in the page with "(see glossary)".
class GlossaryMarks {
 public:
  explicit GlossaryMarks(const std::vector<std::string>& terms) : terms_(terms) {}

  std::string mark(std::string text) {
    for (const auto& term : terms_) {
      if (std::find(done_.begin(), done_.end(), term) != done_.end()) {
        continue;
      }
      const auto at = find_word(text, term);
      if (at != std::string::npos) {
        // After a possessive: "tsuna's (see glossary)", not "tsuna (see glossary)'s".
        const std::size_t end = at + term.size();
        const bool possessive = text.compare(end, 2, "'s") == 0;
        text.insert(end + (possessive ? 2 : 0), " (see glossary)");
        done_.push_back(term);
      }
    }
    return text;
  }

 private:
  static bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  }
  // `term` as a word of its own: "futex" in "a futex word", not in "futexes" or "FUTEX_WAIT".
  static std::size_t find_word(const std::string& text, const std::string& term) {
    for (auto at = text.find(term); at != std::string::npos; at = text.find(term, at + 1)) {
      const bool starts = at == 0 || !word_char(text[at - 1]);
      const std::size_t end = at + term.size();
      const bool ends = end == text.size() || (!word_char(text[end]) && text[end] != '-');
      if (starts && ends) {
        return at;
      }
    }
    return std::string::npos;
  }

  const std::vector<std::string>& terms_;
  std::vector<std::string> done_;
};

// Paragraphs are re-flowed to the width, except those with an indented line (art, code, lists
// that the lesson laid out itself).
void wrap_into(std::string& out, std::string_view text, int width, GlossaryMarks* marks = nullptr) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::vector<std::string> para;
  auto flush = [&] {
    if (para.empty()) {
      return;
    }
    const bool verbatim = std::any_of(
        para.begin(), para.end(), [](const std::string& l) { return !l.empty() && l[0] == ' '; });
    if (verbatim) {
      for (const auto& l : para) {
        out += verbatim_line(l, width);
      }
    } else {
      std::string joined;
      for (const auto& l : para) {
        joined += l + " ";
      }
      if (marks != nullptr) {
        joined = marks->mark(std::move(joined));
      }
      for (const auto& l : wrap_words(joined, columns_of(width) - 2)) {
        out += "  " + l + "\n";
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

// Text wrapped to the width, each line indented by `indent` spaces, without blank lines.
std::string wrapped_lines(std::string_view text, int width, std::size_t indent) {
  std::string out;
  for (const auto& l : wrap_words(text, columns_of(width) - indent)) {
    out += std::string(indent, ' ') + l + "\n";
  }
  return out;
}

void render_grid(std::string& out, const TextGrid& grid, const Painter& p, int width) {
  for (const auto& line : layout_grid(grid, static_cast<int>(columns_of(width)))) {
    switch (line.kind) {
      case GridLine::Kind::header:
        out += p.bold(line.text) + "\n";
        break;
      case GridLine::Kind::rule:
        out += p.dim(line.text) + "\n";
        break;
      case GridLine::Kind::body:
        out += line.text + "\n";
        break;
    }
  }
}

void render_table(std::string& out, const Table& t, const Painter& p, int width,
                  GlossaryMarks& marks) {
  out += p.bold(wrapped_lines(t.title, width, 0));
  TextGrid grid{t.columns, {}, std::vector<bool>(t.columns.size(), true)};
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c < grid.numeric.size() && std::holds_alternative<std::string>(row[c])) {
        grid.numeric[c] = false;
      }
      r.push_back(value_text(row[c], c < t.columns.size() && is_id_column(t.columns[c])));
    }
    grid.rows.push_back(std::move(r));
  }
  render_grid(out, grid, p, width);
  if (!t.note.empty()) {
    wrap_into(out, t.note, width, &marks);
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

// "3.78 – 4.23" when both ends are in the row's unit (the median column names it); otherwise
// each end carries its own unit: "7.38 µs – 3.26 ms", never "7.38 – 3.26 ms".
std::string range_text(const Measurement& m, const std::string& row_unit, double lo, double hi) {
  auto [lo_scale, lo_unit] = display_unit(m.unit, lo);
  auto [hi_scale, hi_unit] = display_unit(m.unit, hi);
  if (lo == 0) {  // zero has no unit of its own: it takes the other end's
    std::tie(lo_scale, lo_unit) = std::tie(hi_scale, hi_unit);
  }
  if (hi == 0) {
    std::tie(hi_scale, hi_unit) = std::tie(lo_scale, lo_unit);
  }
  if (lo_unit == row_unit && hi_unit == row_unit) {
    return format_number(lo / lo_scale) + " – " + format_number(hi / hi_scale);
  }
  auto with_unit = [](double v, const std::string& u) {
    return format_number(v) + (u.empty() ? "" : " " + u);
  };
  return with_unit(lo / lo_scale, lo_unit) + " – " + with_unit(hi / hi_scale, hi_unit);
}

// One line per distinct method, naming every figure measured that way, and one per caveat.
std::string method_lines(const std::vector<const Measurement*>& ms, int width) {
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
  std::string out;
  for (const auto& [method, labels] : by_method) {
    out += wrapped_lines(fmt::format("· {}: {}", labels, method), width, 2);
  }
  for (const auto* m : ms) {
    if (!m->trusted) {
      out += wrapped_lines("(!) " + m->label + ": " + m->caveat, width, 2);
    }
  }
  return out;
}

// A run of consecutive measurements is shown as one aligned block.
void render_measurements(std::string& out, const std::vector<const Measurement*>& ms,
                         const Painter& p, int width) {
  TextGrid grid{
      {"measured", "median", "p10 – p90", "min – max", "n"}, {}, {false, true, true, true, true}};
  for (const auto* m : ms) {
    // Durations and sizes are scaled to one unit per row, chosen by the median ("1.23 µs", not
    // "1,234 ns").
    const auto [scale, unit] = display_unit(m->unit, m->stats.median);
    const std::string suffix = unit.empty() ? "" : " " + unit;
    // One sample has no spread to show.
    const bool single = m->stats.n <= 1;
    grid.rows.push_back({m->label + (m->trusted ? "" : " (!)"),
                         format_number(m->stats.median / scale) + suffix,
                         single ? "—" : range_text(*m, unit, m->stats.p10, m->stats.p90),
                         single ? "—" : range_text(*m, unit, m->stats.min, m->stats.max),
                         std::to_string(m->stats.n)});
  }
  // On a narrow page the extremes give way to the labels: p10 – p90 already shows the spread
  // (the JSON keeps both).
  if (!fits_unwrapped(grid, static_cast<int>(columns_of(width)))) {
    grid.header.erase(grid.header.begin() + 3);
    grid.numeric.erase(grid.numeric.begin() + 3);
    for (auto& r : grid.rows) {
      r.erase(r.begin() + 3);
    }
  }
  render_grid(out, grid, p, width);
  out += p.dim(method_lines(ms, width)) + "\n";
}

void render_chart(std::string& out, const BarChart& c, const Painter& p, int width) {
  out += p.bold(wrapped_lines(c.title + (c.log_scale ? "  (log scale)" : ""), width, 0));
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
  constexpr int kFewestBarCells = 10;
  const int cols = static_cast<int>(columns_of(width));
  // A long annotation goes under its bar rather than past the right edge.
  const bool notes_below = cols - static_cast<int>(label_w + note_w) - 5 < kFewestBarCells;
  const int bar_room =
      std::max(kFewestBarCells, cols - static_cast<int>(label_w + (notes_below ? 0 : note_w)) - 6);
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
    out += "  " + pad_right(b.label, label_w) + " │" + bar;
    if (notes_below) {
      out += "\n" + wrapped_lines(b.annotation, width, label_w + 5);
    } else {
      out += " " + b.annotation + "\n";
    }
  }
  out += "\n";
}

// `s` from code point `from`, at most `count` code points.
std::string code_points(std::string_view s, std::size_t from, std::size_t count) {
  std::string out;
  std::size_t index = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool starts = (s[i] & 0xC0) != 0x80;
    if (starts) {
      ++index;
    }
    if (index > from && index <= from + count) {
      out += s[i];
    }
  }
  return out;
}

// A timeline wider than the page is cut into consecutive stretches of buckets, one under the
// other, each with its own axis.
void render_timeline(std::string& out, const Timeline& t, const Painter& p, int width) {
  out += p.bold(wrapped_lines(t.title, width, 0));
  std::size_t label_w = 0;
  for (const auto& l : t.row_labels) {
    label_w = std::max(label_w, display_width(l));
  }
  const std::size_t buckets = t.rows.empty() ? 0 : display_width(t.rows.front());
  const std::size_t room = columns_of(width) - std::min(columns_of(width) - 10, label_w + 5);
  const std::size_t stretch = std::max<std::size_t>(1, std::min(buckets, room));
  for (std::size_t from = 0; from < buckets; from += stretch) {
    const std::size_t n = std::min(stretch, buckets - from);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      const std::string label = i < t.row_labels.size() ? t.row_labels[i] : "";
      out += "  " + pad_right(label, label_w) + " │" + code_points(t.rows[i], from, n) + "│\n";
    }
    std::string axis;
    for (std::size_t c = 0; c < n; ++c) {
      axis += "─";
    }
    const std::string span = n == buckets ? "" : fmt::format(" columns {}–{}", from + 1, from + n);
    out += p.dim(fmt::format("  {} └{}┘", std::string(label_w, ' '), axis)) + "\n";
    if (!span.empty()) {
      out += p.dim(pad_left(span, label_w + 4 + span.size())) + "\n";
    }
  }
  if (!t.rows.empty()) {
    out += p.dim(wrapped_lines(fmt::format("one column = {} ms", format_number(t.bucket_ms)), width,
                               label_w + 4));
  }
  if (!t.legend.empty()) {
    out += p.dim(wrapped_lines(t.legend, width, 2));
  }
  out += "\n";
}

std::string verdict_word(const ClaimVerdict& v, const Painter& p) {
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
  return p.colored(word, c);
}

void render_verdict(std::string& out, const ClaimVerdict& v, const Painter& p,
                    const TextStyle& style) {
  out += fmt::format("  {} {}\n", p.bold(v.claim), verdict_word(v, p));
  out += wrapped_lines(v.because, style.width, 6);
  if (style.explain_rules && !v.threshold.empty()) {
    out += p.dim(wrapped_lines("Rule: " + v.threshold, style.width, 6));
  }
  out += "\n";
}

// The first clause of a because (up to the first ". ", "; " or ": " outside brackets, which is
// where the lessons put the figures), cut to one line of `width` columns.
std::string one_line(const std::string& because, std::size_t width) {
  int depth = 0;
  std::size_t end = because.size();
  for (std::size_t i = 0; i + 1 < because.size() && end == because.size(); ++i) {
    const char c = because[i];
    depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
    // A clause shorter than this is a label ("pinned: ..."), and a colon before a number is a
    // field ("Threads: 1"): neither ends the headline.
    constexpr std::size_t kShortestClause = 24;
    const bool field = c == ':' && i + 2 < because.size() &&
                       std::isdigit(static_cast<unsigned char>(because[i + 2]));
    if (depth == 0 && (c == '.' || c == ';' || c == ':') && because[i + 1] == ' ' && !field &&
        display_width(std::string_view(because).substr(0, i)) >= kShortestClause) {
      end = i;
    }
  }
  const auto lines = wrap_words(because.substr(0, end), width - 1);
  return lines.size() == 1 ? lines.front() : lines.front() + "…";
}

void render_title(std::string& out, const Report& report, const Painter& p, int width) {
  const auto lines =
      wrap_words(fmt::format("conc-lab · {} · {}", report.lesson, report.title), columns_of(width));
  for (const auto& l : lines) {
    out += p.bold(l) + "\n";
  }
  if (report.quick) {
    out += p.dim("(quick run: smallest honest size)") + "\n";
  }
  out += "\n";
}

void render_next(std::string& out, const TextStyle& style) {
  if (!style.next_lesson.empty()) {
    out += wrapped_lines(fmt::format("next: lesson {} — {} lesson {}", style.next_lesson,
                                     style.command, style.next_lesson),
                         style.width, 0);
  }
}

std::string render_footer_lines(const Report& report, int width) {
  std::string out;
  std::string line = "env:";
  for (const auto& f : report.env) {
    // A bare "%" sticks to its number; other units are words.
    const std::string unit = f.unit.empty() ? "" : (f.unit == "%" ? f.unit : " " + f.unit);
    const std::string fact = f.label + " " + value_text(f.value) + unit;
    const bool first = line == "env:";
    if (!first && display_width(line) + 3 + display_width(fact) > columns_of(width)) {
      out += line + " ·\n";
      line = "    ";
    } else if (!first) {
      line += " ·";
    }
    line += " " + fact;
  }
  out += line + "\n";
  // The two figures a student asks about, explained once under the facts.
  const bool has_load = std::any_of(report.env.begin(), report.env.end(), [](const Fact& f) {
    return f.key == "loadavg_1m" || f.key == "other_runnable";
  });
  if (has_load) {
    out += wrapped_lines(
        "load: the kernel's 1-minute load average (tasks running, waiting for a CPU or for the "
        "disk, "
        "averaged over the last minute, this program's own earlier work included); others "
        "running: other programs' tasks that wanted a CPU throughout a short sample taken "
        "just before the lesson (what competes with it now). The busy-machine warning reads "
        "'others running' against the CPUs this program may use.",
        width, 5);
  }
  return out;
}

std::string render_brief(const Report& report, const TextStyle& style) {
  const Painter p(style.color);
  std::string out;
  render_title(out, report, p, style.width);
  for (const auto& v : report.verdicts) {
    out += fmt::format("  {} {}\n", p.bold(v.claim), verdict_word(v, p));
    out += "      " + one_line(v.because, columns_of(style.width) - 6) + "\n";
  }
  if (report.verdicts.empty()) {
    out += "  (no verdicts in this run)\n";
  }
  if (!report.warnings.empty()) {
    out += "\n" + p.colored("  ! ", fmt::terminal_color::yellow) +
           fmt::format("{} warning{}: run without --brief to read them\n", report.warnings.size(),
                       report.warnings.size() == 1 ? "" : "s");
  }
  out += "\n";
  render_next(out, style);
  return out;
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0';
}

bool env_forces(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0' && std::string_view(v) != "0";
}

}  // namespace

bool want_color(std::string_view choice, bool stdout_is_tty) {
  if (choice == "always" || choice == "never") {
    return choice == "always";
  }
  if (env_set("NO_COLOR")) {
    return false;
  }
  return stdout_is_tty || env_forces("FORCE_COLOR") || env_forces("CLICOLOR_FORCE");
}

std::string render_footer(const Report& report) {
  std::string line;
  for (const auto& f : report.env) {
    if (!line.empty()) {
      line += " · ";
    }
    const std::string unit = f.unit.empty() ? "" : (f.unit == "%" ? f.unit : " " + f.unit);
    line += f.label + " " + value_text(f.value) + unit;
  }
  return line;
}

namespace {

// Blocks [first, last) of report.order(), as render_text lays them out.
void render_range(std::string& out, const Report& report, std::size_t first, std::size_t last,
                  const TextStyle& style, GlossaryMarks& marks) {
  const Painter p(style.color);
  const auto& order = report.order();
  last = std::min(last, order.size());
  for (std::size_t i = first; i < last; ++i) {
    const BlockRef& b = order[i];
    switch (b.kind) {
      case BlockRef::Kind::section: {
        const Section& s = report.sections[b.index];
        if (!s.title.empty()) {
          out += p.bold(wrapped_lines("── " + s.title, style.width, 0));
        }
        wrap_into(out, s.text, style.width, &marks);
        break;
      }
      case BlockRef::Kind::measurement: {
        std::vector<const Measurement*> run;
        while (i < last && order[i].kind == BlockRef::Kind::measurement) {
          run.push_back(&report.measurements[order[i].index]);
          ++i;
        }
        --i;
        render_measurements(out, run, p, style.width);
        break;
      }
      case BlockRef::Kind::table:
        render_table(out, report.tables[b.index], p, style.width, marks);
        break;
      case BlockRef::Kind::chart:
        render_chart(out, report.charts[b.index], p, style.width);
        break;
      case BlockRef::Kind::timeline:
        render_timeline(out, report.timelines[b.index], p, style.width);
        break;
      case BlockRef::Kind::verdict:
        if (i == first || order[i - 1].kind != BlockRef::Kind::verdict) {
          out += p.bold("── Verdicts for this machine") + "\n";
        }
        render_verdict(out, report.verdicts[b.index], p, style);
        break;
      case BlockRef::Kind::warning: {
        // The "! " marker stands where the first line's indent would be.
        const std::string body = wrapped_lines(report.warnings[b.index], style.width, 4);
        out += p.colored("  ! ", fmt::terminal_color::yellow) +
               body.substr(std::min<std::size_t>(4, body.size())) + "\n";
        break;
      }
    }
  }
}

}  // namespace

std::string render_title_text(const Report& report, const TextStyle& style) {
  std::string out;
  render_title(out, report, Painter(style.color), style.width);
  return out;
}

std::string render_blocks(const Report& report, std::size_t first, std::size_t last,
                          const TextStyle& style) {
  GlossaryMarks marks(style.glossary_terms);
  std::string out;
  render_range(out, report, first, last, style, marks);
  return out;
}

std::string render_ending(const Report& report, const TextStyle& style) {
  std::string out;
  if (!report.env.empty()) {
    out += Painter(style.color).dim(render_footer_lines(report, style.width));
  }
  if (!style.next_lesson.empty()) {
    out += "\n";
    render_next(out, style);
  }
  return out;
}

std::string render_text(const Report& report, const TextStyle& style) {
  if (style.view == TextStyle::View::brief) {
    return render_brief(report, style);
  }
  GlossaryMarks marks(style.glossary_terms);
  std::string out = render_title_text(report, style);
  render_range(out, report, 0, report.order().size(), style, marks);
  return out + render_ending(report, style);
}

}  // namespace conc::report
