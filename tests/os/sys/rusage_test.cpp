#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "os/sys/rusage.h"

using namespace conc::os;

TEST_SUITE("rusage") {
  TEST_CASE("a thread sample's window grows and counts a sleep as a voluntary switch") {
    const ThreadSample from = sample_this_thread();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const ThreadSample window = sample_this_thread() - from;
    CHECK(window.wall_ns > 0);
    CHECK(window.cpu_ns >= 0);
    CHECK(window.voluntary_switches >= 1);  // a sleep blocks
    CHECK(window.involuntary_switches >= 0);
  }
}
