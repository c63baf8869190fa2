#pragma once
// `conc-lab list` as data: the lessons in the notes' order with the claims each covers. The app
// fills it from the registry; the two renderers below are the only ones that format it.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace conc::report {

struct ListedLesson {
  std::string name;
  std::string title;
  std::vector<std::string> claims;  // the notes' claim ids, e.g. "C04"
};

// " 1. name   title\n    claims C01 C02\n" per lesson, the title wrapped in its column so
// that no line is wider than `width` columns (the terminal's).
std::string lesson_list_text(const std::vector<ListedLesson>& lessons, int width);
// {"schema_version", "lessons": [{"name", "title", "claims": [...]}]}
nlohmann::json lesson_list_json(const std::vector<ListedLesson>& lessons);

}  // namespace conc::report
