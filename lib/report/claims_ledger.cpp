#include "report/claims_ledger.h"

#include <fmt/format.h>

#include <algorithm>

namespace conc::report {
namespace {

const char* run_kind(const StoredVerdict& v) {
  return v.quick ? "quick" : "full";
}

// "confirmed (full run) 2026-11-27T10:15:00Z" for the ledger table's last column.
std::string verdict_cell(const LedgerEntry& entry) {
  if (!entry.verdict) {
    return kNotRunYet;
  }
  const StoredVerdict& v = *entry.verdict;
  return fmt::format("{} ({} run) {}", v.verdict, run_kind(v), v.recorded_at);
}

// The "because" of every verdict in a table of its own: beside the ledger it would leave no
// room for the claim at 80 columns.
Table because_table(const ClaimsLedger& ledger) {
  Table t{"because", "Why each verdict", {"id", "lesson", "because"}, {}, ""};
  for (const auto& claim : ledger.claims) {
    for (const auto& entry : claim.lessons) {
      if (entry.verdict) {
        t.rows.push_back({claim.id, entry.lesson, entry.verdict->because});
      }
    }
  }
  return t;
}

}  // namespace

ClaimsLedger build_claims_ledger(const std::vector<CatalogueClaim>& catalogue,
                                 const std::vector<ListedLesson>& lessons,
                                 const VerdictStore& store) {
  ClaimsLedger ledger{store.file().string(), {}};
  for (const auto& claim : catalogue) {
    LedgerClaim row{claim.id, claim.text, {}};
    for (const auto& lesson : lessons) {
      if (std::find(lesson.claims.begin(), lesson.claims.end(), claim.id) != lesson.claims.end()) {
        row.lessons.push_back({lesson.name, store.latest(claim.id, lesson.name)});
      }
    }
    ledger.claims.push_back(std::move(row));
  }
  return ledger;
}

std::string verdict_word(const LedgerEntry& entry) {
  return entry.verdict ? entry.verdict->verdict : std::string(kNotRunYet);
}

Report claims_ledger_report(const ClaimsLedger& ledger) {
  Report r("claims", "the notes' claims and what this machine said");
  Table t{"claims", "Claims ledger", {"id", "claim", "lesson", "latest verdict here"}, {}, ""};
  for (const auto& claim : ledger.claims) {
    if (claim.lessons.empty()) {
      t.rows.push_back({claim.id, claim.text, std::string("-"), std::string(kNoLessonYet)});
      continue;
    }
    bool first = true;
    for (const auto& entry : claim.lessons) {
      t.rows.push_back({first ? claim.id : std::string(), first ? claim.text : std::string(),
                        entry.lesson, verdict_cell(entry)});
      first = false;
    }
  }
  t.note =
      "Verdicts are those of each lesson's latest full run on this machine (its latest "
      "quick run when it has no full one), read from " +
      ledger.state_file + ".";
  r.add(std::move(t));
  Table because = because_table(ledger);
  if (!because.rows.empty()) {
    r.add(std::move(because));
  }
  return r;
}

nlohmann::json claims_ledger_json(const ClaimsLedger& ledger) {
  nlohmann::json claims = nlohmann::json::array();
  for (const auto& claim : ledger.claims) {
    nlohmann::json shown_by = nlohmann::json::array();
    for (const auto& entry : claim.lessons) {
      nlohmann::json e = {{"lesson", entry.lesson}, {"verdict", verdict_word(entry)}};
      if (entry.verdict) {
        const StoredVerdict& v = *entry.verdict;
        e["because"] = v.because;
        e["threshold"] = v.threshold;
        e["quick"] = v.quick;
        e["run"] = run_kind(v);
        e["recorded_at"] = v.recorded_at;
      }
      shown_by.push_back(std::move(e));
    }
    nlohmann::json c = {{"id", claim.id}, {"claim", claim.text}};
    if (claim.lessons.empty()) {
      c["status"] = kNoLessonYet;
    }
    c["lessons"] = std::move(shown_by);
    claims.push_back(std::move(c));
  }
  return {{"schema_version", kSchemaVersion},
          {"state_file", ledger.state_file},
          {"claims", std::move(claims)}};
}

}  // namespace conc::report
