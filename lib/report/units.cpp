#include "report/units.h"

#include <fmt/format.h>

#include <cmath>

namespace conc::report {

namespace {
// Three significant digits, but never more than needed for integers-as-reals.
std::string three_significant(double v) {
  const double a = std::fabs(v);
  if (a >= 1000) {
    return format_count(static_cast<std::int64_t>(std::llround(v)));
  }
  if (a >= 100 || a == 0) {
    return fmt::format("{:.0f}", v);
  }
  if (a >= 10) {
    return fmt::format("{:.1f}", v);
  }
  if (a >= 1) {
    return fmt::format("{:.2f}", v);
  }
  if (a >= 0.01) {
    return fmt::format("{:.3f}", v);
  }
  return fmt::format("{:.2g}", v);
}
}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v)) {
    return std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf");
  }
  return three_significant(v);
}

std::string format_count(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n > 0 && n % 3 == 0) {
      out.insert(out.begin(), ',');
    }
    out.insert(out.begin(), *it);
    ++n;
  }
  return v < 0 ? "-" + out : out;
}

std::string format_ns(double ns) {
  const double a = std::fabs(ns);
  if (a < 1e3) {
    return format_number(ns) + " ns";
  }
  if (a < 1e6) {
    return format_number(ns / 1e3) + " µs";
  }
  if (a < 1e9) {
    return format_number(ns / 1e6) + " ms";
  }
  return format_number(ns / 1e9) + " s";
}

BinaryUnit binary_unit(double bytes) {
  const double a = std::fabs(bytes);
  if (a < 1024) {
    return {};
  }
  if (a < 1024.0 * 1024) {
    return {1024.0, "KiB"};
  }
  if (a < 1024.0 * 1024 * 1024) {
    return {1024.0 * 1024, "MiB"};
  }
  return {1024.0 * 1024 * 1024, "GiB"};
}

std::string format_bytes(double bytes) {
  const BinaryUnit unit = binary_unit(bytes);
  if (unit.bytes == 1) {
    return fmt::format("{:.0f} B", bytes);
  }
  return format_number(bytes / unit.bytes) + " " + unit.name;
}

std::string format_ratio(double r) {
  return format_number(r) + "×";
}

std::string format_percent(double fraction) {
  return format_number(fraction * 100) + "%";
}

}  // namespace conc::report
