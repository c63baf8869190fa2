#pragma once
// The terminal page: headings, wrapped explanations, aligned tables, horizontal bar charts,
// timelines, verdicts and the environment footer. Colour only when the caller says so (the app
// decides: stdout is a TTY, NO_COLOR unset, no --no-color).

#include <string>
#include <string_view>

#include "report/report.h"

namespace conc::report {

struct TextStyle {
  bool color = false;
  int width = 100;  // wrap prose and scale bars to this many columns
};

std::string render_text(const Report& report, const TextStyle& style);

// Display width of UTF-8 text in terminal columns (one per code point; all our glyphs are
// narrow). Exposed for tests and for aligning text outside the renderer.
std::size_t display_width(std::string_view s);

// One-line environment footer built from report.env.
std::string render_footer(const Report& report);

}  // namespace conc::report
