#include "report/json_reader.h"

#include <cstdint>
#include <utility>

namespace conc::report {

namespace {

using nlohmann::json;

const json& member(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) {
    throw ReportReadError(std::string("report JSON: missing key \"") + key + "\"");
  }
  return obj.at(key);
}

template <typename T>
T get(const json& obj, const char* key) {
  try {
    return member(obj, key).get<T>();
  } catch (const json::exception&) {
    throw ReportReadError(std::string("report JSON: key \"") + key + "\" has the wrong type");
  }
}

Value value_from(const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number_integer()) {
    return v.get<std::int64_t>();
  }
  if (v.is_number_float()) {
    return v.get<double>();
  }
  throw ReportReadError("report JSON: a value is neither text nor a number");
}

Verdict verdict_from(const std::string& word) {
  for (Verdict v :
       {Verdict::confirmed, Verdict::nuanced, Verdict::contradicted, Verdict::not_judged}) {
    if (word == to_string(v)) {
      return v;
    }
  }
  throw ReportReadError("report JSON: unknown verdict \"" + word + "\"");
}

Measurement measurement_from(const json& m) {
  Measurement out;
  out.id = get<std::string>(m, "id");
  out.label = get<std::string>(m, "label");
  out.unit = get<std::string>(m, "unit");
  out.stats.median = get<double>(m, "median");
  out.stats.p10 = get<double>(m, "p10");
  out.stats.p90 = get<double>(m, "p90");
  out.stats.min = get<double>(m, "min");
  out.stats.max = get<double>(m, "max");
  out.stats.n = get<std::size_t>(m, "n");
  out.method = get<std::string>(m, "method");
  out.trusted = get<bool>(m, "trusted");
  out.caveat = get<std::string>(m, "caveat");
  return out;
}

Table table_from(const json& t) {
  Table out;
  out.id = get<std::string>(t, "id");
  out.title = get<std::string>(t, "title");
  out.columns = get<std::vector<std::string>>(t, "columns");
  for (const json& row : member(t, "rows")) {
    std::vector<Value>& cells = out.rows.emplace_back();
    for (const json& cell : row) {
      cells.push_back(value_from(cell));
    }
  }
  out.note = get<std::string>(t, "note");
  return out;
}

BarChart chart_from(const json& c) {
  BarChart out;
  out.id = get<std::string>(c, "id");
  out.title = get<std::string>(c, "title");
  out.unit = get<std::string>(c, "unit");
  out.log_scale = get<bool>(c, "log_scale");
  for (const json& b : member(c, "bars")) {
    out.bars.push_back(
        {get<std::string>(b, "label"), get<double>(b, "value"), get<std::string>(b, "annotation")});
  }
  return out;
}

Timeline timeline_from(const json& t) {
  Timeline out;
  out.id = get<std::string>(t, "id");
  out.title = get<std::string>(t, "title");
  out.bucket_ms = get<double>(t, "bucket_ms");
  out.row_labels = get<std::vector<std::string>>(t, "row_labels");
  out.rows = get<std::vector<std::string>>(t, "rows");
  out.legend = get<std::string>(t, "legend");
  return out;
}

}  // namespace

Report report_from_json(const json& doc) {
  const int version = get<int>(doc, "schema_version");
  if (version != kSchemaVersion) {
    throw ReportReadError("report JSON: schema_version " + std::to_string(version) +
                          ", this build reads " + std::to_string(kSchemaVersion));
  }
  std::string lesson = get<std::string>(doc, "lesson");  // read in order: the first missing key
  Report r(std::move(lesson), get<std::string>(doc, "title"));
  r.quick = get<bool>(doc, "quick");
  for (const auto& [key, value] : member(doc, "env").items()) {
    r.env.push_back({key, key, value_from(value), ""});
  }
  for (const json& s : member(doc, "sections")) {
    r.add(Section{get<std::string>(s, "title"), get<std::string>(s, "text")});
  }
  for (const json& m : member(doc, "measurements")) {
    r.add(measurement_from(m));
  }
  for (const json& t : member(doc, "tables")) {
    r.add(table_from(t));
  }
  for (const json& c : member(doc, "charts")) {
    r.add(chart_from(c));
  }
  for (const json& t : member(doc, "timelines")) {
    r.add(timeline_from(t));
  }
  for (const json& v : member(doc, "verdicts")) {
    r.add(ClaimVerdict{get<std::string>(v, "claim"), verdict_from(get<std::string>(v, "verdict")),
                       get<std::string>(v, "because"), get<std::string>(v, "threshold")});
  }
  for (const json& w : member(doc, "warnings")) {
    if (!w.is_string()) {
      throw ReportReadError("report JSON: a warning is not text");
    }
    r.warn(w.get<std::string>());
  }
  return r;
}

Report report_from_json_text(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    throw ReportReadError("report JSON: not a JSON document");
  }
  return report_from_json(doc);
}

}  // namespace conc::report
