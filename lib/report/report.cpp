#include "report/report.h"

#include <algorithm>

namespace conc::report {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::confirmed:
      return "confirmed";
    case Verdict::nuanced:
      return "nuanced";
    case Verdict::contradicted:
      return "contradicted";
    case Verdict::not_judged:
      return "could not judge";
  }
  return "?";
}

namespace {
template <typename T>
T& append(std::deque<T>& items, T item, std::vector<BlockRef>& order, BlockRef::Kind kind) {
  items.push_back(std::move(item));
  order.push_back({kind, items.size() - 1});
  return items.back();
}
}  // namespace

Section& Report::add(Section s) {
  return append(sections, std::move(s), order_, BlockRef::Kind::section);
}
Measurement& Report::add(Measurement m) {
  return append(measurements, std::move(m), order_, BlockRef::Kind::measurement);
}
Table& Report::add(Table t) {
  return append(tables, std::move(t), order_, BlockRef::Kind::table);
}
BarChart& Report::add(BarChart c) {
  return append(charts, std::move(c), order_, BlockRef::Kind::chart);
}
Timeline& Report::add(Timeline t) {
  return append(timelines, std::move(t), order_, BlockRef::Kind::timeline);
}
ClaimVerdict& Report::add(ClaimVerdict v) {
  return append(verdicts, std::move(v), order_, BlockRef::Kind::verdict);
}
void Report::warn(std::string text) {
  append(warnings, std::move(text), order_, BlockRef::Kind::warning);
}

const Measurement* Report::find_measurement(std::string_view id) const {
  auto it = std::find_if(measurements.begin(), measurements.end(),
                         [&](const Measurement& m) { return m.id == id; });
  return it == measurements.end() ? nullptr : &*it;
}

}  // namespace conc::report
