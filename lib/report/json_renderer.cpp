#include "report/json_renderer.h"

namespace conc::report {

nlohmann::json to_json(const Value& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

namespace {

nlohmann::json measurement_json(const Measurement& m) {
  return {{"id", m.id},           {"label", m.label},
          {"unit", m.unit},       {"median", m.stats.median},
          {"p10", m.stats.p10},   {"p90", m.stats.p90},
          {"min", m.stats.min},   {"max", m.stats.max},
          {"n", m.stats.n},       {"method", m.method},
          {"trusted", m.trusted}, {"caveat", m.caveat}};
}

nlohmann::json table_json(const Table& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows) {
    nlohmann::json row = nlohmann::json::array();
    for (const auto& c : r) {
      row.push_back(to_json(c));
    }
    rows.push_back(std::move(row));
  }
  return {
      {"id", t.id}, {"title", t.title}, {"columns", t.columns}, {"rows", rows}, {"note", t.note}};
}

nlohmann::json chart_json(const BarChart& c) {
  nlohmann::json bars = nlohmann::json::array();
  for (const auto& b : c.bars) {
    bars.push_back({{"label", b.label}, {"value", b.value}, {"annotation", b.annotation}});
  }
  return {{"id", c.id},
          {"title", c.title},
          {"unit", c.unit},
          {"log_scale", c.log_scale},
          {"bars", bars}};
}

nlohmann::json timeline_json(const Timeline& t) {
  return {{"id", t.id},     {"title", t.title},           {"bucket_ms", t.bucket_ms},
          {"rows", t.rows}, {"row_labels", t.row_labels}, {"legend", t.legend}};
}

}  // namespace

nlohmann::json to_json(const Report& report) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& f : report.env) {
    env[f.key] = to_json(f.value);
  }
  nlohmann::json doc = {{"schema_version", kSchemaVersion},
                        {"lesson", report.lesson},
                        {"title", report.title},
                        {"quick", report.quick},
                        {"env", env},
                        {"sections", nlohmann::json::array()},
                        {"measurements", nlohmann::json::array()},
                        {"tables", nlohmann::json::array()},
                        {"charts", nlohmann::json::array()},
                        {"timelines", nlohmann::json::array()},
                        {"verdicts", nlohmann::json::array()},
                        {"warnings", report.warnings}};
  for (const auto& s : report.sections) {
    doc["sections"].push_back({{"title", s.title}, {"text", s.text}});
  }
  for (const auto& m : report.measurements) {
    doc["measurements"].push_back(measurement_json(m));
  }
  for (const auto& t : report.tables) {
    doc["tables"].push_back(table_json(t));
  }
  for (const auto& c : report.charts) {
    doc["charts"].push_back(chart_json(c));
  }
  for (const auto& t : report.timelines) {
    doc["timelines"].push_back(timeline_json(t));
  }
  for (const auto& v : report.verdicts) {
    doc["verdicts"].push_back({{"claim", v.claim},
                               {"verdict", to_string(v.verdict)},
                               {"because", v.because},
                               {"threshold", v.threshold},
                               {"quick", report.quick}});
  }
  return doc;
}

std::string render_json(const Report& report) {
  return to_json(report).dump(2) + "\n";
}

}  // namespace conc::report
