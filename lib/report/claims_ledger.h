#pragma once
// The claims ledger as data: every claim of the notes, the lessons that cover it and each
// lesson's verdict here. lessons/ builds it in one walk over the catalogue and the verdict
// store; the text and JSON renderers below both read it, so the two views cannot disagree.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/lesson_list.h"
#include "report/report.h"
#include "report/verdict_store.h"

namespace conc::report {

inline constexpr const char* kNotRunYet = "not run yet";
inline constexpr const char* kNoLessonYet = "no lesson yet";

struct LedgerEntry {
  std::string lesson;
  // The full run's verdict when there is one, else the quick run's; absent when not run yet.
  std::optional<StoredVerdict> verdict;
};

struct LedgerClaim {
  std::string id;
  std::string text;
  std::vector<LedgerEntry> lessons;  // empty: no lesson covers the claim yet
};

struct ClaimsLedger {
  std::string state_file;
  std::vector<LedgerClaim> claims;
};

// One claim of the notes' catalogue, as the ledger lists it.
struct CatalogueClaim {
  std::string id;
  std::string text;
};

// The one walk: for each claim of the catalogue, each lesson covering it (in list order) with
// its latest verdict in the store.
ClaimsLedger build_claims_ledger(const std::vector<CatalogueClaim>& catalogue,
                                 const std::vector<ListedLesson>& lessons,
                                 const VerdictStore& store);

// "confirmed", "not run yet" or "no lesson yet": the word both renderers show.
std::string verdict_word(const LedgerEntry& entry);

// The `conc-lab claims` page: one table row per (claim, lesson), the verdict with whether it
// came from a quick or a full run and when; then a table of each verdict's "because".
Report claims_ledger_report(const ClaimsLedger& ledger);

// {"schema_version", "state_file", "claims": [{"id", "claim", "status"?, "lessons": [{"lesson",
// "verdict", "because", "threshold", "quick", "run", "recorded_at"}]}]}; "status": "no lesson
// yet" when no lesson covers the claim, as the text says.
nlohmann::json claims_ledger_json(const ClaimsLedger& ledger);

}  // namespace conc::report
