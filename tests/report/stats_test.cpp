#include <doctest/doctest.h>

#include "report/stats.h"

using conc::report::summarize;

TEST_SUITE("stats") {
  TEST_CASE("the median of an odd count is the middle sample") {
    const auto s = summarize({5, 1, 3});
    CHECK(s.median == 3);
    CHECK(s.min == 1);
    CHECK(s.max == 5);
    CHECK(s.n == 3);
  }

  TEST_CASE("the median of an even count is the mean of the two middle samples") {
    CHECK(summarize({1, 2, 3, 10}).median == doctest::Approx(2.5));
  }

  TEST_CASE("p10 and p90 interpolate between ranks") {
    std::vector<double> v;
    for (int i = 0; i <= 100; ++i) {
      v.push_back(i);
    }
    const auto s = summarize(v);
    CHECK(s.p10 == doctest::Approx(10));
    CHECK(s.p90 == doctest::Approx(90));
  }

  TEST_CASE("no samples give n == 0") {
    CHECK(summarize({}).n == 0);
  }
}
