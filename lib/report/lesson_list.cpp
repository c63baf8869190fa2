#include "report/lesson_list.h"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/report.h"
#include "report/text_layout.h"

namespace conc::report {

std::string lesson_list_text(const std::vector<ListedLesson>& lessons, int width) {
  // " 1. " then the name padded to its column, then the title wrapped inside what is left
  // (never narrower than kMinTitle, so a very narrow terminal gets short lines, not one word
  // per line), continuation lines indented to the title's column.
  constexpr std::size_t kNumber = 4;  // " 1. "
  constexpr std::size_t kName = 28;
  constexpr std::size_t kMinTitle = 24;
  const std::size_t indent = kNumber + kName + 1;
  const std::size_t room = static_cast<std::size_t>(std::max(width, 0));
  const std::size_t title_width = room > indent + kMinTitle ? room - indent : kMinTitle;
  std::string out;
  int n = 0;
  for (const auto& l : lessons) {
    const std::vector<std::string> lines = wrap_words(l.title, title_width);
    out += fmt::format("{:>2}. {:<{}} {}\n", ++n, l.name, kName, lines.empty() ? "" : lines[0]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      out += fmt::format("{:{}}{}\n", "", indent, lines[i]);
    }
    out += fmt::format("    claims {}\n", fmt::join(l.claims, " "));
  }
  return out;
}

nlohmann::json lesson_list_json(const std::vector<ListedLesson>& lessons) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& l : lessons) {
    doc.push_back({{"name", l.name}, {"title", l.title}, {"claims", l.claims}});
  }
  return {{"schema_version", kSchemaVersion}, {"lessons", doc}};
}

}  // namespace conc::report
