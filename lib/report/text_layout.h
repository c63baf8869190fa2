#pragma once
// Laying text out in a fixed number of terminal columns: word wrapping that keeps a number with
// its unit, and tables that fit the width (cells wrapped inside their column, or one record per
// row when even the narrowest columns do not fit). Used by the text renderer, and by the
// menu for its one-line status.
//
// Invariant: every line these functions return is at most `width` columns wide, whatever the
// input, except a verbatim line the caller chose to keep as is.

#include <string>
#include <string_view>
#include <vector>

namespace conc::report {

// Display width of UTF-8 text in terminal columns (one per code point; all our glyphs are
// narrow).
std::size_t display_width(std::string_view s);

// Words of `text` greedily packed into lines of at most `width` columns. A number and the short
// unit after it ("4.00 ms", "12 KiB") stay on one line; a word wider than `width` is cut.
std::vector<std::string> wrap_words(std::string_view text, std::size_t width);

// `text` on one line of at most `width` columns: as is when it fits, else cut after its last
// whole word that fits and ended with "…" (a menu's status line, which cannot wrap).
std::string elide_words(std::string_view text, std::size_t width);

std::string pad_right(std::string_view s, std::size_t width);
std::string pad_left(std::string_view s, std::size_t width);

// A table as text cells. `numeric` columns are right-aligned and never wrapped.
struct TextGrid {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;
};

// One output line of a laid-out table, and whether it is a header line (the renderer makes
// those bold) or the rule under the header (dim).
struct GridLine {
  enum class Kind { header, rule, body } kind;
  std::string text;
};

// The table indented by two columns and at most `width` wide: columns at their natural width
// when they fit; else the widest text columns narrowed and their cells wrapped; else the table
// as several narrower tables that repeat the first column; else each row as a small record
// ("column  value" lines), which fits any width of 40 or more.
// Whether the table fits `width` with every cell on one line.
bool fits_unwrapped(const TextGrid& grid, int width);

std::vector<GridLine> layout_grid(const TextGrid& grid, int width);

}  // namespace conc::report
