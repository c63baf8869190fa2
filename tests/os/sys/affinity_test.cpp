#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "os/procfs/proc_read.h"
#include "os/sys/affinity.h"

using namespace conc::os;

TEST_SUITE("affinity") {
  TEST_CASE("a pinned thread runs on its CPU") {
    const auto cpus = allowed_cpus();
    REQUIRE_FALSE(cpus.empty());
    CHECK(default_cpu() == cpus.front());
    int seen = -1;
    std::thread([&] {
      pin_current_thread(cpus.back());
      seen = current_cpu();
    }).join();
    CHECK(seen == cpus.back());
  }

  TEST_CASE("pinning without exceptions says false for a CPU that cannot be used") {
    const auto cpus = allowed_cpus();
    bool pinned = false, refused = true, negative = true;
    int seen = -1;
    std::thread([&] {
      refused = pin_self_nothrow(1023);  // the last CPU a cpu_set_t can name
      negative = pin_self_nothrow(-1);
      pinned = pin_self_nothrow(cpus.front());
      seen = current_cpu();
    }).join();
    CHECK_FALSE(refused);
    CHECK_FALSE(negative);
    CHECK(pinned);
    CHECK(seen == cpus.front());
  }

  TEST_CASE("another thread can be pinned by its tid") {
    const auto cpus = allowed_cpus();
    std::atomic<pid_t> tid{0};
    std::atomic<bool> pinned{false};
    int seen = -1;
    std::thread worker([&] {
      tid = current_tid();
      while (!pinned) {
        std::this_thread::yield();
      }
      seen = current_cpu();
    });
    while (tid == 0) {
      std::this_thread::yield();
    }
    CHECK_FALSE(pin_task_nothrow(tid, -1));
    CHECK(pin_task_nothrow(tid, cpus.back()));
    pinned = true;
    worker.join();
    CHECK(seen == cpus.back());
  }
}

#include "os/sys/thread.h"

TEST_SUITE("thread") {
  TEST_CASE("a Thread runs its function, pinned when asked, and joins on destruction") {
    const int cpu = conc::os::allowed_cpus().back();
    std::atomic<int> seen{-1};
    {
      conc::os::Thread t;
      REQUIRE(conc::os::Thread::start(t, [&] { seen = conc::os::current_cpu(); },
                                      {.stack_bytes = std::size_t{64} * 1024, .cpu = cpu}) == 0);
      CHECK(t.joinable());
    }
    CHECK(seen == cpu);
  }

  TEST_CASE("an impossible stack size is an error value, not an exception") {
    conc::os::Thread t;
    CHECK(conc::os::Thread::start(t, [] {}, {.stack_bytes = 1, .cpu = -1}) != 0);
    CHECK_FALSE(t.joinable());
  }
}
