#pragma once
// Lookups and checks shared by the live lesson tests.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"

// The table with this id, or nullptr.
inline const conc::report::Table* find_table(const conc::report::Report& r, std::string_view id) {
  const auto it =
      std::find_if(r.tables.begin(), r.tables.end(), [&](const auto& t) { return t.id == id; });
  return it == r.tables.end() ? nullptr : &*it;
}

// The verdicts form one block at the end of the report, in claim order.
inline bool verdicts_last_in_claim_order(const conc::report::Report& r) {
  using Kind = conc::report::BlockRef::Kind;
  const auto& order = r.order();
  const auto first = std::find_if(order.begin(), order.end(),
                                  [](const auto& b) { return b.kind == Kind::verdict; });
  const bool one_block =
      std::all_of(first, order.end(), [](const auto& b) { return b.kind == Kind::verdict; });
  std::vector<std::string> claims;
  for (const auto& v : r.verdicts) {
    claims.push_back(v.claim);
  }
  return first != order.end() && one_block && std::is_sorted(claims.begin(), claims.end());
}
