// The claims ledger's two views come from one model: the text table and the JSON must name the
// same claims, the same lessons and the same verdicts, including the claims no lesson covers.

#include "report/claims_ledger.h"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

namespace conc::report {
namespace {

// A canned ledger: a full and a quick verdict, a lesson not run yet, a claim with no lesson.
ClaimsLedger canned_ledger() {
  StoredVerdict full{"confirmed", "3 threads ran at once on 3 CPUs", "> 1.5x", false,
                     "2026-11-27T10:15:00Z"};
  StoredVerdict quick{"nuanced", "switches cost 2.1 us, near the 2 us bound", "< 2 us", true,
                      "2026-11-28T09:00:00Z"};
  return {
      "/state/verdicts.json",
      {{"C02",
        "Parallelism runs several computations at the same instant",
        {{"concurrency-vs-parallelism", full}, {"thread", std::nullopt}}},
       {"C14", "A context switch is expensive next to ordinary work", {{"context-switch", quick}}},
       {"C30", "A goroutine function call costs about 3 extra instructions", {}}}};
}

std::string cell_text(const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  return s != nullptr ? *s : std::string();
}

const Table& ledger_table(const Report& r) {
  REQUIRE(!r.tables.empty());
  return r.tables.front();
}

// The "because" the text gives for (claim, lesson), or "" when it gives none.
std::string because_in_text(const Report& r, const std::string& claim, const std::string& lesson) {
  if (r.tables.size() < 2) {
    return "";
  }
  for (const auto& row : r.tables[1].rows) {
    if (cell_text(row[0]) == claim && cell_text(row[1]) == lesson) {
      return cell_text(row[2]);
    }
  }
  return "";
}

}  // namespace

TEST_SUITE("claims ledger") {
  TEST_CASE("text and JSON agree on claims, lessons and verdicts") {
    const ClaimsLedger ledger = canned_ledger();
    const Report r = claims_ledger_report(ledger);
    const Table& t = ledger_table(r);
    const nlohmann::json doc = claims_ledger_json(ledger);
    std::size_t row = 0;
    for (const auto& claim : doc["claims"]) {
      const auto& lessons = claim["lessons"];
      REQUIRE(row < t.rows.size());
      CHECK(cell_text(t.rows[row][0]) == claim["id"].get<std::string>());
      if (lessons.empty()) {
        CHECK(claim["status"] == kNoLessonYet);
        CHECK(cell_text(t.rows[row][3]) == kNoLessonYet);
        ++row;
        continue;
      }
      for (const auto& entry : lessons) {
        REQUIRE(row < t.rows.size());
        CHECK(cell_text(t.rows[row][2]) == entry["lesson"].get<std::string>());
        const std::string verdict = cell_text(t.rows[row][3]);
        CHECK(verdict.rfind(entry["verdict"].get<std::string>(), 0) == 0);
        if (entry.contains("run")) {
          CHECK(verdict.find(entry["run"].get<std::string>() + " run") != std::string::npos);
          CHECK(because_in_text(r, claim["id"], entry["lesson"]) == entry["because"]);
          CHECK(verdict.find(entry["recorded_at"].get<std::string>()) != std::string::npos);
        }
        ++row;
      }
    }
    CHECK(row == t.rows.size());
  }

  TEST_CASE("the full run's verdict is shown as such and a quick one says quick") {
    const nlohmann::json doc = claims_ledger_json(canned_ledger());
    CHECK(doc["claims"][0]["lessons"][0]["run"] == "full");
    CHECK(doc["claims"][0]["lessons"][1]["verdict"] == kNotRunYet);
    CHECK(doc["claims"][1]["lessons"][0]["run"] == "quick");
    CHECK(doc["claims"][1]["lessons"][0]["quick"] == true);
  }
}

}  // namespace conc::report
