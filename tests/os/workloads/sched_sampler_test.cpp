// The snapshot reader on live threads: files opened once and read again give fresh counters,
// and a snapshot past its deadline leaves the tasks out and counts them.

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "os/workloads/busy_group.h"
#include "os/workloads/sched_sampler.h"

using namespace conc::os;

TEST_SUITE("sched sampler") {
  TEST_CASE("files opened once are read afresh at each end of a window") {
    BusyGroup group({2, default_cpu(), 0, 64, 0});
    REQUIRE(group.wait_ready(std::chrono::seconds(20)));
    const TaskFiles files(::getpid(), group.tids(), true);
    CHECK(files.opened() == 4);
    group.start();
    SchedWindow window(files, true, [&group](std::size_t i) { return group.count(i); });
    group.open_window();
    window.begin();
    // Until both threads have run in the window (bounded: a loaded machine may be slow).
    WindowStats w;
    const auto t0 = monotonic_ns();
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      w = window.end();
    } while (w.tasks_that_ran < 2 && monotonic_ns() - t0 < 10'000'000'000);
    group.close_window();
    group.stop();
    CHECK(w.tasks.size() == 2);
    CHECK(w.tasks_unread == 0);
    CHECK(w.tasks_that_ran == 2);
    CHECK(w.run_ns > 0);
    CHECK(w.switches.has_value());
  }

  TEST_CASE("a snapshot past its deadline reads nothing and counts what it left out") {
    BusyGroup group({3, default_cpu(), 0, 64, 0});
    REQUIRE(group.wait_ready(std::chrono::seconds(20)));
    const TaskFiles files(::getpid(), group.tids(), false);
    const auto snap = snapshot_tasks(files, false, {}, {SIZE_MAX, monotonic_ns() - 1});
    CHECK(snap.tasks.empty());
    CHECK(snap.unread == 3);
    const auto two = snapshot_tasks(files, false, {}, {2, 0});
    CHECK(two.tasks.size() == 2);
    CHECK(two.unread == 0);
    CHECK(two.tasks[0].stat.has_value());
  }
}
