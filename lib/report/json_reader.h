#pragma once
// A Report loaded back from its JSON document (the schema render_json writes; README.md "The
// JSON document"). Used to keep saved Reports as test fixtures (tests/report/golden/) and to
// render a saved run again.
//
// The document does not keep everything a Report holds, so the loaded Report differs from the
// one that was rendered in two ways: the blocks come back grouped by kind (sections,
// measurements, tables, charts, timelines, verdicts, warnings) instead of in the order the
// lesson added them, and each env fact's label is its key, with no unit.

#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace conc::report {

// A document that is not a Report of a schema version this build reads: what is wrong, in one
// line (the key and what was expected).
class ReportReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Report report_from_json(const nlohmann::json& doc);
// Parses `text` first; a syntax error is a ReportReadError too.
Report report_from_json_text(std::string_view text);

}  // namespace conc::report
