#include <doctest/doctest.h>

#include "os/workloads/slice_model.h"

using namespace conc::os;

TEST_SUITE("slice models") {
  TEST_CASE("the notes: 10 ms shared by N") {
    CHECK(notes_model_slice_ns(2) == doctest::Approx(5e6));
    CHECK(notes_model_slice_ns(5) == doctest::Approx(2e6));
    CHECK(notes_model_slice_ns(1000) == doctest::Approx(10e3));
  }

  TEST_CASE("scaling factor: 1 + log2 of the CPUs, capped at 8") {
    CHECK(tunable_scaling_factor(1) == 1);
    CHECK(tunable_scaling_factor(2) == 2);
    CHECK(tunable_scaling_factor(3) == 2);
    CHECK(tunable_scaling_factor(4) == 3);
    CHECK(tunable_scaling_factor(8) == 4);
    CHECK(tunable_scaling_factor(64) == 4);
  }

  TEST_CASE("CFS: a 12 ms period on 2 CPUs, a 1.5 ms floor past 8 tasks") {
    const auto two = cfs_slice(2, 2);
    CHECK(two.latency_ns == doctest::Approx(12e6));
    CHECK(two.slice_ns == doctest::Approx(6e6));
    CHECK(cfs_slice(8, 2).slice_ns == doctest::Approx(1.5e6));
    const auto hundred = cfs_slice(100, 2);
    CHECK(hundred.period_ns == doctest::Approx(150e6));
    CHECK(hundred.slice_ns == doctest::Approx(1.5e6));
    CHECK(cfs_slice(4, 16).latency_ns == doctest::Approx(24e6));
  }

  TEST_CASE("EEVDF: 0.75 ms × factor until 6.14, 0.70 ms × factor from 6.15") {
    CHECK(eevdf_base_slice_ns(2, 6, 18) == doctest::Approx(1.4e6));
    CHECK(eevdf_base_slice_ns(2, 6, 6) == doctest::Approx(1.5e6));
    CHECK(eevdf_base_slice_ns(1, 7, 0) == doctest::Approx(0.7e6));
  }

  TEST_CASE("a busy task runs to the next tick") {
    CHECK(tick_rounded_run_ns(1.4e6, 250) == doctest::Approx(4e6));
    CHECK(tick_rounded_run_ns(4e6, 250) == doctest::Approx(4e6));
    CHECK(tick_rounded_run_ns(6e6, 250) == doctest::Approx(8e6));
    CHECK(tick_rounded_run_ns(1.4e6, 1000) == doctest::Approx(2e6));
    CHECK(tick_rounded_run_ns(1.4e6, 0) == doctest::Approx(1.4e6));
    CHECK(round_ns(1000, 4e6) == doctest::Approx(4e9));
  }
}
