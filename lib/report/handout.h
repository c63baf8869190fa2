#pragma once
// Handouts: a lesson's Report as one self-contained HTML page, or as Markdown.
//
// The HTML page needs nothing but a browser: no network, no script, the style sheet inline,
// every chart and timeline drawn as inline SVG, wide tables scrolled inside their own box so
// no element is wider than the page. Printing it gives the same page on paper. The Markdown
// holds the same content for notes and slides: tables as Markdown tables, charts as text bars.
// Both show what the text renderer shows, in the order the lesson added it, with each
// verdict's rule (the text view hides it behind --explain-rules).

#include <string>

#include "report/report.h"

namespace conc::report {

std::string render_html(const Report& report);
std::string render_markdown(const Report& report);

// A table cell or fact as people read it: text as is, integers with thousands separators.
std::string cell_text(const Value& v);

// A measured value in its best unit: "1.23 µs", "8.00 KiB", "42 %", "1,234 switches".
std::string format_value(double value, const std::string& unit);

}  // namespace conc::report
