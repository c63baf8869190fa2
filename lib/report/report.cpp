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
  auto& block = append(sections, std::move(s), order_, BlockRef::Kind::section);
  added();
  return block;
}
Measurement& Report::add(Measurement m) {
  auto& block = append(measurements, std::move(m), order_, BlockRef::Kind::measurement);
  added();
  return block;
}
Table& Report::add(Table t) {
  auto& block = append(tables, std::move(t), order_, BlockRef::Kind::table);
  added();
  return block;
}
BarChart& Report::add(BarChart c) {
  auto& block = append(charts, std::move(c), order_, BlockRef::Kind::chart);
  added();
  return block;
}
Timeline& Report::add(Timeline t) {
  auto& block = append(timelines, std::move(t), order_, BlockRef::Kind::timeline);
  added();
  return block;
}
ClaimVerdict& Report::add(ClaimVerdict v) {
  auto& block = append(verdicts, std::move(v), order_, BlockRef::Kind::verdict);
  added();
  return block;
}
void Report::warn(std::string text) {
  append(warnings, std::move(text), order_, BlockRef::Kind::warning);
  added();
}

void Report::added() {
  if (observer_ != nullptr) {
    observer_->block_added(*this, order_.size() - 1);
  }
}

void Report::truncate(std::size_t count) {
  while (order_.size() > count) {
    switch (order_.back().kind) {
      case BlockRef::Kind::section:
        sections.pop_back();
        break;
      case BlockRef::Kind::measurement:
        measurements.pop_back();
        break;
      case BlockRef::Kind::table:
        tables.pop_back();
        break;
      case BlockRef::Kind::chart:
        charts.pop_back();
        break;
      case BlockRef::Kind::timeline:
        timelines.pop_back();
        break;
      case BlockRef::Kind::verdict:
        verdicts.pop_back();
        break;
      case BlockRef::Kind::warning:
        warnings.pop_back();
        break;
    }
    order_.pop_back();
  }
}

const Measurement* Report::find_measurement(std::string_view id) const {
  auto it = std::find_if(measurements.begin(), measurements.end(),
                         [&](const Measurement& m) { return m.id == id; });
  return it == measurements.end() ? nullptr : &*it;
}

}  // namespace conc::report
