#include <doctest/doctest.h>

#include "os/procfs/cpu_list.h"

using namespace conc::os;

TEST_SUITE("cpu_list") {
  TEST_CASE("CPU lists parse and print in the kernel's format") {
    CHECK(parse_cpu_list("0-3,6") == std::vector<int>{0, 1, 2, 3, 6});
    CHECK(parse_cpu_list("1\n") == std::vector<int>{1});
    CHECK_FALSE(parse_cpu_list("3-1").has_value());
    CHECK_FALSE(parse_cpu_list("x").has_value());
    CHECK(format_cpu_list({0, 1, 2, 3, 6}) == "0-3,6");
    CHECK(format_cpu_list({1}) == "1");
  }
}
