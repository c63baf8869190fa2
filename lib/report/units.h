#pragma once
// Numbers for people: durations, sizes and counts with units and sensible precision.
// Used by the text renderer and by lessons when they write a verdict's "because".

#include <cstdint>
#include <string>

namespace conc::report {

// 3 significant digits, thousands separators for large values: 0.0123, 1.23, 123, 12,345.
std::string format_number(double v);
// 1,234,567
std::string format_count(std::int64_t v);
// Nanoseconds to the best unit: "850 ns", "1.23 µs", "4.00 ms", "2.50 s".
std::string format_ns(double ns);
// Bytes to the best binary unit: "512 B", "8.0 KiB", "8.00 MiB", "1.5 GiB".
std::string format_bytes(double bytes);
// The unit format_bytes picks for `bytes`, and how many bytes it stands for: {1024, "KiB"}.
struct BinaryUnit {
  double bytes = 1;
  const char* name = "B";
};
BinaryUnit binary_unit(double bytes);
// "5.4×"
std::string format_ratio(double r);
// "12.5%"
std::string format_percent(double fraction);

}  // namespace conc::report
