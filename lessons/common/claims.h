#pragma once
// The claims ledger: every claim of the lecture notes, by the notes' claim id (C1...), in our own
// short words, and the ledger that joins it with the lessons covering each claim and the
// verdict of each lesson's latest run on this machine.

#include <string_view>
#include <vector>

#include "lessons/common/lesson.h"
#include "report/claims_ledger.h"
#include "report/verdict_store.h"

namespace conc::lessons {

struct Claim {
  std::string_view id;
  std::string_view text;
};

const std::vector<Claim>& claim_catalogue();
bool is_known_claim(std::string_view id);

// The syllabus as `conc-lab list` shows it.
std::vector<report::ListedLesson> listed_lessons(
    const std::vector<std::unique_ptr<Lesson>>& lessons);

// The ledger in one walk over the catalogue, the lessons and the store; lib/report renders it
// as text (claims_ledger_report) and as JSON (claims_ledger_json).
report::ClaimsLedger claims_ledger(const std::vector<std::unique_ptr<Lesson>>& lessons,
                                   const report::VerdictStore& store);

}  // namespace conc::lessons
