#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>

#include "os/procfs/proc_read.h"
#include "os/workloads/parked_threads.h"

using conc::os::ParkedThreads;

TEST_SUITE("parked threads") {
  TEST_CASE("threads park until released, and are joined by the destructor") {
    std::atomic<int> ran{0}, left{0};
    {
      ParkedThreads group;
      for (int i = 0; i < 5; ++i) {
        REQUIRE(group.start([&] {
          ran.fetch_add(1);
          group.park();
          left.fetch_add(1);
        }) == 0);
      }
      REQUIRE(group.wait_parked(5, std::chrono::seconds(10)));
      CHECK(ran.load() == 5);
      CHECK(left.load() == 0);  // all still parked
      CHECK(group.size() == 5);
    }
    CHECK(left.load() == 5);
  }

  TEST_CASE("waiting for more threads than park times out instead of hanging") {
    ParkedThreads group;
    REQUIRE(group.start([&] { group.park(); }) == 0);
    CHECK_FALSE(group.wait_parked(2, std::chrono::milliseconds(50)));
  }

  TEST_CASE("an exception in the owner still releases and joins the threads") {
    std::atomic<int> left{0};
    try {
      ParkedThreads group;
      REQUIRE(group.start([&] {
        group.park();
        left.fetch_add(1);
      }) == 0);
      REQUIRE(group.wait_parked(1, std::chrono::seconds(10)));
      throw std::runtime_error("experiment failed");
    } catch (const std::runtime_error&) {
    }
    CHECK(left.load() == 1);
  }

  TEST_CASE("an impossible stack size is an error value") {
    ParkedThreads group;
    CHECK(group.start([] {}, {.stack_bytes = 1, .cpu = -1}) != 0);
    CHECK(group.size() == 0);
  }
}
