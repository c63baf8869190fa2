// The lat_ctx ring's shape: it completes for threads and processes, reports one figure per
// repetition, and a bad configuration is refused. No wall-clock thresholds.

#include <doctest/doctest.h>

#include <stdexcept>

#include "os/sys/affinity.h"
#include "os/workloads/switch_ring.h"

using namespace conc::os;

TEST_SUITE("switch ring") {
  TEST_CASE("a ring of threads and one of processes pass the token round") {
    for (auto p : {Partners::threads, Partners::processes}) {
      RingConfig c;
      c.members = 4;
      c.partners = p;
      c.cpu = default_cpu();
      c.working_set_bytes = std::size_t{16} * 1024;
      c.laps = 50;
      c.warmup_laps = 5;
      c.repetitions = 2;
      c.timeout = std::chrono::milliseconds(60'000);
      const RingResult r = run_ring(c);
      REQUIRE(r.hop_ns.size() == 2);
      for (double h : r.hop_ns) {
        CHECK(h > 0);
      }
    }
  }

  TEST_CASE("the no-switch overhead: one figure per repetition") {
    const auto o = ring_overhead_ns(default_cpu(), std::size_t{16} * 1024, 100, 2);
    REQUIRE(o.size() == 2);
    CHECK(o[0] > 0);
  }

  TEST_CASE("a ring of one member is refused") {
    RingConfig c;
    c.members = 1;
    CHECK_THROWS_AS(run_ring(c), std::invalid_argument);
  }
}
