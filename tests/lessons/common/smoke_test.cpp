// Every registered lesson, in --quick mode: its JSON has the documented keys and a verdict
// for each claim it lists.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "lessons/common/claims.h"
#include "lessons/common/lesson.h"
#include "report/json_renderer.h"

using namespace conc;

TEST_SUITE("lessons smoke") {
  TEST_CASE("every lesson runs quick and reports each of its claims") {
    for (const auto& lesson : lessons::all_lessons()) {
      const std::string name(lesson->name());
      CAPTURE(name);
      const auto doc = report::to_json(lessons::run_lesson_with_args(name, {"--quick"}));
      for (const char* key : {"schema_version", "lesson", "title", "quick", "env", "sections",
                              "measurements", "tables", "verdicts"}) {
        CHECK_MESSAGE(doc.contains(key), key);
      }
      CHECK(doc["lesson"] == name);
      CHECK(doc["quick"] == true);
      CHECK(doc["env"].contains("kernel"));
      for (const auto& m : doc["measurements"]) {
        for (const char* key :
             {"id", "label", "unit", "median", "p10", "p90", "min", "max", "n", "method"}) {
          CHECK_MESSAGE(m.contains(key), key);
        }
        CHECK(m["n"].get<int>() > 0);
        CHECK_MESSAGE(!m["method"].get<std::string>().empty(), "no method for ", m["id"]);
      }
      std::set<std::string> judged;
      for (const auto& v : doc["verdicts"]) {
        const std::string verdict = v["verdict"];
        CHECK((verdict == "confirmed" || verdict == "nuanced" || verdict == "contradicted" ||
               verdict == "could not judge"));
        CHECK_FALSE(v["because"].get<std::string>().empty());
        CHECK_FALSE(v["threshold"].get<std::string>().empty());
        judged.insert(v["claim"].get<std::string>());
      }
      for (auto claim : lesson->claims()) {
        CHECK_MESSAGE(lessons::is_known_claim(claim), claim);
        CHECK_MESSAGE(judged.count(std::string(claim)) == 1, "no verdict for ", claim);
      }
    }
  }

  TEST_CASE("the syllabus has unique names and known claims") {
    std::set<std::string> names;
    for (const auto& lesson : lessons::all_lessons()) {
      CHECK(names.insert(std::string(lesson->name())).second);
      CHECK_FALSE(lesson->claims().empty());
    }
  }
}
