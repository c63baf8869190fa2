#pragma once
// The glossary: the terms the lessons use without stopping to explain them, each in two or
// three sentences. `conc-lab glossary [TERM]` prints it (as a Report, so lib/report lays it
// out), and the text renderer marks the first use of each term in a lesson's prose.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"

namespace conc::lessons {

struct GlossaryEntry {
  std::string_view term;  // as the lessons write it: the renderer matches it exactly
  std::string_view text;
};

// Every entry, in alphabetical order.
const std::vector<GlossaryEntry>& glossary();

// The entry whose term is `word`, ignoring case; nothing when there is none.
std::optional<GlossaryEntry> find_glossary_entry(std::string_view word);

// The terms, for report::TextStyle::glossary_terms.
std::vector<std::string> glossary_terms();

// The whole glossary, or one entry, as a page.
report::Report glossary_report(const std::vector<GlossaryEntry>& entries);

}  // namespace conc::lessons
