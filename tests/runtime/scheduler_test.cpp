// The scheduler: go, yield, run's outcome, counters, trace, stalls, sleep; at 1, 2, 4, 8 workers.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

TEST_SUITE("scheduler") {
  TEST_CASE("run returns completed when main returns, and main runs as goroutine 1") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::uint64_t id = 0;
      int index = -2;
      std::uint64_t mask = 0;
      const RunResult r = run_checked(w, [&] {
        id = goroutine_id();
        index = worker_index();
        mask = workers_ran_on();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(r.report.empty());
      CHECK(id == 1);
      CHECK(mask != 0);
      CHECK((mask >> index & 1) == 1);
      CHECK(index >= 0);
      CHECK(index < w);
      CHECK(r.workers.size() == static_cast<std::size_t>(w));
    }
    CHECK_FALSE(in_goroutine());
    CHECK(goroutine_id() == 0);
  }

  TEST_CASE("100,000 goroutines spawned and joined") {
    const int n = 100'000 / kScale;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> ran{0};
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(n);
        for (int i = 0; i < n; ++i) {
          go([&] {
            ran.fetch_add(1, std::memory_order_relaxed);
            wg.done();
          });
        }
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(ran.load() == n);
      CHECK(r.goroutines_spawned == static_cast<std::uint64_t>(n) + 1);
    }
  }

  TEST_CASE("yield alternates two goroutines on one worker, in order") {
    std::vector<int> order;
    run_checked(1, [&] {
      WaitGroup wg;
      wg.add(2);
      for (int id = 0; id < 2; ++id) {
        go([&, id] {
          for (int i = 0; i < 3; ++i) {
            order.push_back(id);
            yield();
          }
          wg.done();
        });
      }
      wg.wait();
    });
    CHECK(order == std::vector<int>{0, 1, 0, 1, 0, 1});
  }

  TEST_CASE("when main returns, the other goroutines stop where they are (as in Go)") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> after{0};
      // Outlives run(): goroutines still running when main returns may touch it until their
      // next park, exactly as threads may touch what main shares with them.
      Chan<int> never(0);
      const RunResult r = run_checked(w, [&] {
        for (int i = 0; i < 10; ++i) {
          go([&] {
            never.recv();
            after.fetch_add(1);  // never reached
          });
        }
        for (int i = 0; i < 10; ++i) {
          go([&] {
            for (;;) {
              yield();  // stops here once main has returned
            }
          });
        }
        sleep_for(1ms);
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(after.load() == 0);
    }
  }

  TEST_CASE("sleep_for blocks the goroutine, not the worker") {
    std::atomic<int> progress{0};
    run_checked(1, [&] {
      WaitGroup wg;
      wg.add(1);
      go([&] {
        progress.fetch_add(1);
        wg.done();
      });
      sleep_for(2ms);  // the other goroutine runs on the only worker meanwhile
      CHECK(progress.load() == 1);
      wg.wait();
    });
  }

  TEST_CASE("counters and the trace see spawns, runs and the worker each goroutine used") {
    Config c;
    c.trace = true;
    const RunResult r = run_checked(
        2,
        [&] {
          WaitGroup wg;
          wg.add(4);
          for (int i = 0; i < 4; ++i) {
            go([&] {
              yield();
              wg.done();
            });
          }
          wg.wait();
        },
        c);
    std::uint64_t runs = 0, switches = 0;
    for (const auto& w : r.workers) {
      runs += w.goroutines_run;
      switches += w.switches;
    }
    CHECK(runs >= 5);
    CHECK(switches >= runs);
    int spawns = 0, exits = 0, run_events = 0;
    for (const TraceEvent& e : r.trace) {
      spawns += e.kind == EventKind::spawn ? 1 : 0;
      exits += e.kind == EventKind::exit ? 1 : 0;
      if (e.kind == EventKind::run) {
        ++run_events;
        CHECK(e.worker >= 0);
        CHECK(e.worker < 2);
      }
    }
    CHECK(spawns == 5);
    CHECK(exits == 5);
    CHECK(run_events >= 5);
    for (std::size_t i = 1; i < r.trace.size(); ++i) {
      CHECK(r.trace[i - 1].ns <= r.trace[i].ns);
    }
  }

  TEST_CASE("the trace is empty when off") {
    const RunResult r = run_checked(2, [] { go([] {}); });
    CHECK(r.trace.empty());
  }

  TEST_CASE("the stall detector reports a goroutine that never yields") {
    Config c;
    c.stall_threshold = 10ms;
    const RunResult r = run_checked(
        1,
        [&] {
          // Hogs the worker (no yield, no block) until the monitor has reported it; the
          // bound only keeps a broken detector from hanging the test.
          const auto give_up = std::chrono::steady_clock::now() + 10s;
          while (stalls_reported() == 0 && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
          }
        },
        c);
    REQUIRE(r.stalls.size() == 1);
    CHECK(r.stalls[0].goroutine == 1);
    CHECK(r.stalls[0].worker == 0);
    CHECK(r.stalls[0].ran_at_least_ns >= 10'000'000);
  }
}
