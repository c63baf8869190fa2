#include <doctest/doctest.h>

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <thread>

#include "os/procfs/proc_read.h"
#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "os/workloads/busy_group.h"
#include "os/workloads/wake_probe.h"

using namespace conc::os;

namespace {
std::size_t tasks_now() {
  return list_tasks(::getpid()).size();
}
// A baseline taken after one thread has come and gone: ThreadSanitizer starts a helper thread
// of its own at the first pthread_create, which must not count as ours.
std::size_t baseline_tasks() {
  std::thread([] {}).join();
  return tasks_now();
}
// The kernel drops a joined thread from /proc a moment after join returns: wait, boundedly.
std::size_t settled_tasks(std::size_t expected) {
  const auto t0 = monotonic_ns();
  while (tasks_now() != expected && monotonic_ns() - t0 < 2'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return tasks_now();
}
std::vector<std::uint64_t> counts(const BusyGroup& g) {
  std::vector<std::uint64_t> v;
  v.reserve(static_cast<std::size_t>(g.created()));
  for (int i = 0; i < g.created(); ++i) {
    v.push_back(g.count(static_cast<std::size_t>(i)));
  }
  return v;
}
std::uint64_t total(const std::vector<std::uint64_t>& v) {
  std::uint64_t t = 0;
  for (auto x : v) {
    t += x;
  }
  return t;
}
}  // namespace

TEST_SUITE("busy group") {
  TEST_CASE("spin_work is deterministic and composes") {
    CHECK(spin_work(7, 128) == spin_work(spin_work(7, 64), 64));
    CHECK(spin_work(7, 64) != 7);
  }

  TEST_CASE("N pinned threads: ready, counted only inside windows, all joined") {
    const std::size_t baseline = baseline_tasks();
    const int cpu = default_cpu();
    {
      BusyGroup g({8, cpu, 0, 64});
      REQUIRE(g.created() == 8);
      CHECK(g.create_error() == 0);
      REQUIRE(g.wait_ready(std::chrono::milliseconds(10'000)));
      const auto tids = g.tids();
      CHECK(std::set<pid_t>(tids.begin(), tids.end()).size() == 8);
      const auto stacks = g.stacks();
      REQUIRE(stacks.size() == 8);
      std::set<std::uintptr_t> lows;
      for (const auto& s : stacks) {
        CHECK(s.bytes > 0);
        CHECK(resident_bytes(s.low, s.bytes) > 0);  // the thread has run on it
        lows.insert(s.low);
      }
      CHECK(lows.size() == 8);  // one stack each
      CHECK(tasks_now() == baseline + 8);
      g.start();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      CHECK(total(counts(g)) == 0);  // no window open yet
      g.open_window();
      const auto t0 = monotonic_ns();
      while (total(counts(g)) == 0 && monotonic_ns() - t0 < 5'000'000'000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      g.close_window();
      const auto closed = counts(g);
      CHECK(total(closed) > 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const auto later = counts(g);
      for (std::size_t i = 0; i < later.size(); ++i) {
        CHECK(later[i] - closed[i] <= 1);  // at most the one unit in flight at close
      }
      g.stop();
    }
    CHECK(settled_tasks(baseline) == baseline);
  }

  TEST_CASE("a worker that finds Ctrl-C pending stops the whole group by itself") {
    const std::size_t baseline = baseline_tasks();
    {
      BusyGroup g({3, default_cpu(), 0, 64});
      REQUIRE(g.created() == 3);
      REQUIRE(g.wait_ready(std::chrono::milliseconds(10'000)));
      g.start();
      CHECK_FALSE(g.stopping());
      // Aimed at one worker, which blocks SIGINT: it stays pending there (and is discarded
      // when that thread ends), so no other thread of the test can take it.
      const pid_t worker = g.tids().at(1);
      REQUIRE(::syscall(SYS_tgkill, ::getpid(), worker, SIGINT) == 0);
      const auto t0 = monotonic_ns();
      while (!g.stopping() && monotonic_ns() - t0 < 10'000'000'000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      CHECK(g.stopping());
    }
    CHECK(settled_tasks(baseline) == baseline);
  }

  TEST_CASE("a creation error is a value with the count reached") {
    const std::size_t baseline = baseline_tasks();
    BusyGroup g({3, -1, 1, 64});  // a 1-byte stack is refused by pthread_attr_setstacksize
    CHECK(g.created() == 0);
    CHECK(g.create_error() == EINVAL);
    CHECK(g.wait_ready(std::chrono::milliseconds(0)));  // nothing to wait for
    g.stop();
    CHECK(settled_tasks(baseline) == baseline);
  }

  TEST_CASE("stopping a group that never started joins every thread") {
    const std::size_t baseline = baseline_tasks();
    {
      BusyGroup g({4, -1, 0, 64});
      CHECK(g.created() == 4);
    }
    CHECK(settled_tasks(baseline) == baseline);
  }

  TEST_CASE("the wake probe records non-negative lateness and stops") {
    WakeProbe probe({-1, 1'000'000, 1024});
    REQUIRE(probe.create_error() == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto samples = probe.stop();
    CHECK_FALSE(samples.empty());
    CHECK(samples.size() <= 1024);
    for (auto s : samples) {
      CHECK(s >= 0);
    }
    CHECK(probe.stop().empty());  // a second stop is harmless
  }
}
