#include "report/text_layout.h"

#include <algorithm>
#include <array>
#include <numeric>

namespace conc::report {

std::size_t display_width(std::string_view s) {
  // Count every byte that does not continue a multi-byte UTF-8 sequence.
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

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

namespace {

// The byte offset just past the first `columns` code points of `s`.
std::size_t prefix_bytes(std::string_view s, std::size_t columns) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80) {
      if (seen == columns) {
        return i;
      }
      ++seen;
    }
  }
  return s.size();
}

bool ends_with_digit(std::string_view w) {
  return !w.empty() && w.back() >= '0' && w.back() <= '9';
}

// Units that read wrongly on a line of their own, away from their number.
bool is_unit(std::string_view w) {
  while (!w.empty() && (w.back() == ',' || w.back() == ';' || w.back() == ')' || w.back() == '.' ||
                        w.back() == ':')) {
    w.remove_suffix(1);
  }
  static constexpr std::array<std::string_view, 16> kUnits = {
      "ns",  "µs",  "us", "ms",  "s", "B",  "KiB", "MiB",
      "GiB", "TiB", "%",  "pts", "×", "Hz", "kB",  "MB"};
  return std::find(kUnits.begin(), kUnits.end(), w) != kUnits.end();
}

// Words, with a unit glued to the number before it.
std::vector<std::string> chunks_of(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) {
      ++i;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') {
      ++j;
    }
    if (j > i) {
      std::string word(text.substr(i, j - i));
      if (!words.empty() && ends_with_digit(words.back()) && is_unit(word)) {
        words.back() += " " + word;
      } else {
        words.push_back(std::move(word));
      }
    }
    i = j;
  }
  return words;
}

std::size_t longest_chunk(std::string_view text) {
  std::size_t longest = 0;
  for (const auto& c : chunks_of(text)) {
    longest = std::max(longest, display_width(c));
  }
  return longest;
}

}  // namespace

std::vector<std::string> wrap_words(std::string_view text, std::size_t width) {
  width = std::max<std::size_t>(width, 1);
  std::vector<std::string> lines;
  std::string current;
  for (std::string chunk : chunks_of(text)) {
    if (!current.empty() && display_width(current) + 1 + display_width(chunk) > width) {
      lines.push_back(std::move(current));
      current.clear();
    }
    while (display_width(chunk) > width) {  // only a word wider than the whole line
      if (!current.empty()) {
        lines.push_back(std::move(current));
        current.clear();
      }
      const std::size_t cut = prefix_bytes(chunk, width);
      lines.push_back(chunk.substr(0, cut));
      chunk.erase(0, cut);
    }
    if (!chunk.empty()) {
      current += (current.empty() ? "" : " ") + chunk;
    }
  }
  if (!current.empty() || lines.empty()) {
    lines.push_back(std::move(current));
  }
  return lines;
}

std::string elide_words(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) {
    return std::string(text);
  }
  if (width <= 1) {
    return width == 1 ? "…" : "";  // wrap_words never packs into 0 columns
  }
  const std::vector<std::string> lines = wrap_words(text, width - 1);  // a column for "…"
  return (lines.empty() ? std::string() : lines.front()) + "…";
}

namespace {

constexpr std::size_t kIndent = 2;
constexpr std::size_t kGap = 2;

std::size_t cell_width(const std::vector<std::string>& cells, std::size_t c) {
  return c < cells.size() ? display_width(cells[c]) : 0;
}

const std::string& cell(const std::vector<std::string>& cells, std::size_t c) {
  static const std::string kEmpty;
  return c < cells.size() ? cells[c] : kEmpty;
}

// The narrowest each column may get: a numeric column keeps its figures whole, a text column
// its longest word; a header may wrap between its words.
std::vector<std::size_t> narrowest(const TextGrid& g) {
  std::vector<std::size_t> w(g.header.size(), 1);
  for (std::size_t c = 0; c < w.size(); ++c) {
    w[c] = std::max<std::size_t>(1, longest_chunk(g.header[c]));
    for (const auto& r : g.rows) {
      w[c] = std::max(w[c], g.numeric[c] ? cell_width(r, c) : longest_chunk(cell(r, c)));
    }
  }
  return w;
}

std::vector<std::size_t> natural(const TextGrid& g) {
  std::vector<std::size_t> w(g.header.size(), 0);
  for (std::size_t c = 0; c < w.size(); ++c) {
    w[c] = display_width(g.header[c]);
    for (const auto& r : g.rows) {
      w[c] = std::max(w[c], cell_width(r, c));
    }
  }
  return w;
}

std::size_t total(const std::vector<std::size_t>& widths) {
  return kIndent + std::accumulate(widths.begin(), widths.end(), std::size_t{0}) +
         kGap * (widths.empty() ? 0 : widths.size() - 1);
}

// One table row (or the header) as one or more lines, each cell wrapped in its column.
void emit_row(std::vector<GridLine>& out, const std::vector<std::string>& cells,
              const std::vector<std::size_t>& widths, const std::vector<bool>& numeric,
              GridLine::Kind kind) {
  std::vector<std::vector<std::string>> wrapped(widths.size());
  std::size_t height = 1;
  for (std::size_t c = 0; c < widths.size(); ++c) {
    wrapped[c] = numeric[c] && kind == GridLine::Kind::body
                     ? std::vector<std::string>{cell(cells, c)}
                     : wrap_words(cell(cells, c), widths[c]);
    height = std::max(height, wrapped[c].size());
  }
  for (std::size_t l = 0; l < height; ++l) {
    std::string line(kIndent, ' ');
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string text = l < wrapped[c].size() ? wrapped[c][l] : "";
      line += (numeric[c] && kind == GridLine::Kind::body) ? pad_left(text, widths[c])
                                                           : pad_right(text, widths[c]);
      if (c + 1 < widths.size()) {
        line += std::string(kGap, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out.push_back({kind, std::move(line)});
  }
}

std::vector<GridLine> horizontal(const TextGrid& g, const std::vector<std::size_t>& widths) {
  std::vector<GridLine> out;
  emit_row(out, g.header, widths, g.numeric, GridLine::Kind::header);
  std::string rule(kIndent, ' ');
  for (std::size_t c = 0; c < widths.size(); ++c) {
    rule += std::string(widths[c], '-') + (c + 1 < widths.size() ? std::string(kGap, ' ') : "");
  }
  out.push_back({GridLine::Kind::rule, rule});
  for (const auto& r : g.rows) {
    emit_row(out, r, widths, g.numeric, GridLine::Kind::body);
  }
  return out;
}

// Each row as a record: its first cell as a heading, then one "column  value" line per other
// column, the values wrapped beside the column names.
std::vector<GridLine> vertical(const TextGrid& g, std::size_t width) {
  constexpr std::size_t kLabelIndent = 4;
  std::size_t label_w = 0;
  for (std::size_t c = 1; c < g.header.size(); ++c) {
    label_w = std::max(label_w, display_width(g.header[c]));
  }
  label_w = std::min(label_w, width / 3);
  const std::size_t value_w = width - kLabelIndent - label_w - kGap;
  std::vector<GridLine> out;
  for (const auto& r : g.rows) {
    const std::string heading =
        g.header.empty() || g.header[0].empty() ? cell(r, 0) : g.header[0] + ": " + cell(r, 0);
    for (auto& l : wrap_words(heading, width - kIndent)) {
      out.push_back({GridLine::Kind::header, std::string(kIndent, ' ') + l});
    }
    for (std::size_t c = 1; c < g.header.size(); ++c) {
      const auto labels = wrap_words(g.header[c], label_w);
      const auto values = wrap_words(cell(r, c), value_w);
      for (std::size_t l = 0; l < std::max(labels.size(), values.size()); ++l) {
        std::string line = std::string(kLabelIndent, ' ') +
                           pad_right(l < labels.size() ? labels[l] : "", label_w) +
                           std::string(kGap, ' ') + (l < values.size() ? values[l] : "");
        while (!line.empty() && line.back() == ' ') {
          line.pop_back();
        }
        out.push_back({GridLine::Kind::body, std::move(line)});
      }
    }
  }
  return out;
}

}  // namespace

namespace {

// The columns narrowed (widest first, so that wide text columns wrap before narrow ones) until
// the table fits; empty when even the narrowest columns do not.
std::vector<std::size_t> fitted_widths(const TextGrid& grid, std::size_t room) {
  std::vector<std::size_t> widths = natural(grid);
  const std::vector<std::size_t> least = narrowest(grid);
  if (total(least) > room) {
    return {};
  }
  while (total(widths) > room) {
    std::size_t pick = widths.size();
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (widths[c] > least[c] && (pick == widths.size() || widths[c] > widths[pick])) {
        pick = c;
      }
    }
    --widths[pick];
  }
  return widths;
}

TextGrid columns_of(const TextGrid& g, const std::vector<std::size_t>& keep) {
  TextGrid out;
  for (const std::size_t c : keep) {
    out.header.push_back(g.header[c]);
    out.numeric.push_back(g.numeric[c]);
  }
  for (const auto& r : g.rows) {
    std::vector<std::string> cells;
    cells.reserve(keep.size());
    for (const std::size_t c : keep) {
      cells.push_back(cell(r, c));
    }
    out.rows.push_back(std::move(cells));
  }
  return out;
}

// Too many columns for the width: the table as several narrower tables one under the other,
// each repeating the first column (what names the row). Empty when that does not help.
std::vector<TextGrid> stacked(const TextGrid& g, std::size_t room) {
  const std::vector<std::size_t> least = narrowest(g);
  std::vector<TextGrid> parts;
  std::vector<std::size_t> keep{0};
  for (std::size_t c = 1; c < g.header.size(); ++c) {
    std::vector<std::size_t> widths;
    widths.reserve(keep.size() + 1);
    for (const std::size_t k : keep) {
      widths.push_back(least[k]);
    }
    widths.push_back(least[c]);
    if (total(widths) > room) {
      if (keep.size() == 1) {
        return {};
      }
      parts.push_back(columns_of(g, keep));
      keep = {0};
    }
    keep.push_back(c);
  }
  parts.push_back(columns_of(g, keep));
  return parts;
}

}  // namespace

bool fits_unwrapped(const TextGrid& grid, int width) {
  return total(natural(grid)) <= static_cast<std::size_t>(std::max(width, 40));
}

std::vector<GridLine> layout_grid(const TextGrid& grid, int width) {
  const std::size_t room = static_cast<std::size_t>(std::max(width, 40));
  if (const auto widths = fitted_widths(grid, room); !widths.empty()) {
    return horizontal(grid, widths);
  }
  const std::vector<TextGrid> parts =
      grid.header.size() > 2 ? stacked(grid, room) : std::vector<TextGrid>{};
  if (parts.empty()) {
    return vertical(grid, room);
  }
  std::vector<GridLine> out;
  for (const auto& part : parts) {
    if (!out.empty()) {
      out.push_back({GridLine::Kind::body, ""});
    }
    const auto lines = horizontal(part, fitted_widths(part, room));
    out.insert(out.end(), lines.begin(), lines.end());
  }
  return out;
}

}  // namespace conc::report
