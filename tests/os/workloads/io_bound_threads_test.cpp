// The I/O-bound load's shape: requests are served, every thread asked for starts, the shares
// are shares. No wall-clock thresholds.

#include <doctest/doctest.h>

#include "os/sys/affinity.h"
#include "os/workloads/io_bound_threads.h"

using namespace conc::os;

TEST_SUITE("io-bound threads") {
  TEST_CASE("eight threads serve requests on one CPU and stop") {
    IoBoundConfig c;
    c.threads = 8;
    c.cpu = default_cpu();
    c.window = std::chrono::milliseconds(50);
    const IoBoundResult r = run_io_bound(c);
    CHECK(r.threads_started == 8);
    CHECK(r.limit.empty());
    CHECK(r.requests_per_s > 0);
    CHECK(r.threads_counted == 8);  // every worker's own switches were read
    CHECK(r.switches_per_s > 0);    // each request ends in a block
    CHECK(r.work_ns > 0);
    CHECK(r.switching_share >= 0);
    CHECK(r.switching_share <= 1);
  }
}
