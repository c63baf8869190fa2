#pragma once
// The claims ledger: every claim of the lecture notes, by the notes' claim id (C1...), in our own
// short words, and the `conc-lab claims` page that joins it with the lessons covering each
// claim and the verdict of each lesson's latest run on this machine.

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "lessons/common/lesson.h"
#include "report/report.h"
#include "report/verdict_store.h"

namespace conc::lessons {

struct Claim {
  std::string_view id;
  std::string_view text;
};

const std::vector<Claim>& claim_catalogue();
bool is_known_claim(std::string_view id);

// The same ledger as one JSON document: {"schema_version", "state_file", "claims": [{"id",
// "claim", "lessons": [{"lesson", "verdict", "because", "threshold", "quick", "recorded_at"}]}]}
// with "verdict": "not run yet" for a lesson that has not run here.
nlohmann::json claims_json(const std::vector<std::unique_ptr<Lesson>>& lessons,
                           const report::VerdictStore& store);

report::Report claims_report(const std::vector<std::unique_ptr<Lesson>>& lessons,
                             const report::VerdictStore& store);

}  // namespace conc::lessons
