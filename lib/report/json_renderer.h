#pragma once
// The Report as one JSON document (schema in README.md, version kSchemaVersion).

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace conc::report {

nlohmann::json to_json(const Value& v);
nlohmann::json to_json(const Report& report);
// Pretty-printed, with a trailing newline.
std::string render_json(const Report& report);

}  // namespace conc::report
