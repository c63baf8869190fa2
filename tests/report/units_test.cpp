#include <doctest/doctest.h>

#include "report/units.h"

using namespace conc::report;

TEST_SUITE("units") {
  TEST_CASE("durations pick their unit") {
    CHECK(format_ns(850) == "850 ns");
    CHECK(format_ns(1234) == "1.23 µs");
    CHECK(format_ns(4'000'000) == "4.00 ms");
    CHECK(format_ns(2.5e9) == "2.50 s");
  }
  TEST_CASE("sizes use binary units") {
    CHECK(format_bytes(512) == "512 B");
    CHECK(format_bytes(8192) == "8.00 KiB");
    CHECK(format_bytes(8.0 * 1024 * 1024) == "8.00 MiB");
  }
  TEST_CASE("counts get thousands separators") {
    CHECK(format_count(32768) == "32,768");
    CHECK(format_count(-1000) == "-1,000");
    CHECK(format_count(7) == "7");
  }
  TEST_CASE("ratios and percentages") {
    CHECK(format_ratio(5.43) == "5.43×");
    CHECK(format_percent(0.125) == "12.5%");
  }
}
