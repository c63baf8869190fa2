#include "report/lesson_list.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/report.h"

namespace conc::report {

std::string lesson_list_text(const std::vector<ListedLesson>& lessons) {
  std::string out;
  int n = 0;
  for (const auto& l : lessons) {
    out += fmt::format("{:>2}. {:<28} {}\n    claims {}\n", ++n, l.name, l.title,
                       fmt::join(l.claims, " "));
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
