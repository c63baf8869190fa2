#pragma once
// A guess or a measured value of --predict with its unit, for people: "2.34×", "10 ms",
// "3,780 B" (up to 3 significant digits below 1,000, whole numbers with thousands separators
// above, never an exponent); "-" when there is none. Shared by the lesson's prediction table and
// `conc-lab progress`.

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "report/units.h"

namespace conc::lessons {

inline std::string format_answer(const std::optional<double>& v, const std::string& unit) {
  if (!v) {
    return "-";
  }
  const std::string number = std::fabs(*v) >= 1000
                                 ? report::format_count(static_cast<std::int64_t>(std::llround(*v)))
                                 : fmt::format("{:.3g}", *v);
  return unit == "×" ? number + "×" : number + " " + unit;
}

}  // namespace conc::lessons
