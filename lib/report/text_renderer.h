#pragma once
// The terminal page: headings, wrapped explanations, tables that fit the width, horizontal bar
// charts, timelines, verdicts and the environment footer. Colour only when the caller says so
// (the app decides: --color, NO_COLOR, FORCE_COLOR, stdout a TTY).
//
// Invariant: at a width of 80 or more, no line is wider than the width except a line of art a
// lesson laid out itself (an indented paragraph), which the lessons keep within 80 columns.

#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"
#include "report/text_layout.h"

namespace conc::report {

struct TextStyle {
  bool color = false;
  int width = 100;  // wrap prose, fit tables and scale bars to this many columns
  // brief: per claim the verdict and one line of its because (what a teacher projects);
  // full: everything the lesson said.
  enum class View { full, brief } view = View::full;
  bool explain_rules = false;        // print each verdict's rule under its because
  std::string command = "conc-lab";  // how the user types conc-lab, for the "next:" hint
  // The lesson that follows in the notes ("" after the last one, or for a page that is not a
  // lesson): the page ends with the command that runs it.
  std::string next_lesson;
  // Terms of `conc-lab glossary`: the first use of each in the page's prose is followed by
  // "(see glossary)". Empty: nothing is marked.
  std::vector<std::string> glossary_terms;

  // Without colour (or with), at `columns` wide, everything else as by default.
  static TextStyle plain(int columns, bool with_color = false) {
    TextStyle s;
    s.width = columns;
    s.color = with_color;
    return s;
  }
};

std::string render_text(const Report& report, const TextStyle& style);

// The parts of render_text, for a presenter that shows a page piece by piece (report.h): the
// title, blocks [first, last) of report.order() at style.width (a glossary term is marked at
// its first use within the range), and the ending (environment footer, "next:" hint).
std::string render_title_text(const Report& report, const TextStyle& style);
std::string render_blocks(const Report& report, std::size_t first, std::size_t last,
                          const TextStyle& style);
std::string render_ending(const Report& report, const TextStyle& style);

// Whether a page goes out in colour. `choice` "always" and "never" decide alone; "auto" colours
// a terminal unless NO_COLOR is set (not empty), and FORCE_COLOR or CLICOLOR_FORCE (set, not
// empty, not "0") colour a pipe too (`| less -R`). Reads the environment.
bool want_color(std::string_view choice, bool stdout_is_tty);

// The environment footer built from report.env, as one line.
std::string render_footer(const Report& report);

}  // namespace conc::report
