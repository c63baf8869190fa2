// Fairness: no runnable goroutine waits forever behind others that keep the worker busy.
// Every test counts iterations of the goroutines that could starve the victim and stops them
// at a generous cap, so a starved victim fails the test instead of hanging it.
#include <atomic>
#include <chrono>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

// A ping-pong pair on an unbuffered channel: each wake puts the partner in the worker's
// runnext slot. Round trips before the pair gives up (a starved victim: the test fails).
constexpr long kPingPongCap = 1'000'000 / kScale;
// Round trips the pair may make after the victim became runnable. The scheduler allows at
// most 61 runnext picks between two turns of the ring (where Go bounds the pair by the
// readier's time slice), i.e. ~31 round trips; the bound is 100x that, so only real
// starvation fails it.
constexpr long kVictimWithinRounds = 3'000;

struct PingPong {
  Chan<int> ping{0};
  Chan<int> pong{0};
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};  // written by the pinger only; victims may read it anywhere

  // Plays until `stop` or the cap; on_round(i) runs before each round trip.
  template <class F>
  void pinger(F&& on_round) {
    long i = 0;
    for (; i < kPingPongCap && !stop.load(std::memory_order_relaxed); ++i) {
      rounds.store(i, std::memory_order_relaxed);
      on_round(i);
      ping.send(1);
      (void)pong.recv();
    }
    rounds.store(i, std::memory_order_relaxed);
    ping.send(0);
  }
  void ponger() {
    while (*ping.recv() != 0) {
      pong.send(1);
    }
  }
  // Starts the pinger and the ponger, each calling wg.done() when it ends.
  template <class F>
  void play(WaitGroup& wg, F on_round) {
    go([this, &wg, on_round] {
      pinger(on_round);
      wg.done();
    });
    go([this, &wg] {
      ponger();
      wg.done();
    });
  }
};

}  // namespace

TEST_SUITE("fairness") {
  TEST_CASE("a queued goroutine runs while a pair ping-pongs through runnext") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      PingPong pp;
      constexpr long kSpawnAt = 100;  // the pair is handing the worker back and forth by then
      long spawned_at = -1;
      long seen_at = -1;
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(3);
        pp.play(wg, [&](long i) {
          if (i == kSpawnAt) {
            spawned_at = i;
            // Queued in this worker's ring, alone: thieves leave a lone goroutine on a
            // worker that keeps switching, so only the worker's own fairness runs it.
            go([&] {
              seen_at = pp.rounds.load(std::memory_order_relaxed);
              pp.stop.store(true, std::memory_order_relaxed);
              wg.done();
            });
          }
        });
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      REQUIRE(spawned_at == kSpawnAt);
      CHECK_MESSAGE(pp.rounds.load() < kPingPongCap, "the queued goroutine never ran");
      CHECK(seen_at >= kSpawnAt);
      CHECK(seen_at - spawned_at < kVictimWithinRounds);
    }
  }

  TEST_CASE("a goroutine woken through the global queue runs while a pair ping-pongs") {
    // The timer thread readies a sleeper through the global queue; at one worker only the
    // periodic poll of the global queue (every 61 picks) gets it out.
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      PingPong pp;
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(3);
        go([&] {
          sleep_for(1ms);
          pp.stop.store(true, std::memory_order_relaxed);
          wg.done();
        });
        pp.play(wg, [](long) {});
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK_MESSAGE(pp.rounds.load() < kPingPongCap, "the sleeper never ran after its timer fired");
    }
  }

  TEST_CASE("goroutines queued behind a ping-pong pair all run, each within a bound") {
    // Several victims at once: when the pair's runnext budget is spent it goes to the back of the
    // ring, so every victim gets its turn before the pair runs again.
    constexpr int kVictims = 5;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      PingPong pp;
      std::atomic<int> ran{0};
      long last_seen_at = -1;
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(2 + kVictims);
        pp.play(wg, [&](long i) {
          if (i == 100) {
            for (int v = 0; v < kVictims; ++v) {
              go([&] {
                if (ran.fetch_add(1) + 1 == kVictims) {
                  last_seen_at = pp.rounds.load(std::memory_order_relaxed);
                  pp.stop.store(true, std::memory_order_relaxed);
                }
                wg.done();
              });
            }
          }
        });
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(ran.load() == kVictims);
      CHECK_MESSAGE(pp.rounds.load() < kPingPongCap, "queued goroutines starved");
      CHECK(last_seen_at - 100 < kVictimWithinRounds);
    }
  }

  TEST_CASE("Mutex: a goroutine relocking in a loop does not starve a waiter") {
    // Without starvation mode the looper's unlock wakes the waiter, and the looper relocks
    // before the waiter runs: the waiter finds it locked and parks again, forever. Go hands
    // the lock to a waiter that waited over 1 ms. Each cap is ~100x the iterations the
    // looper makes here before the waiter gets the lock (a yield-free looper makes ~50 per
    // microsecond, and its waiter may wait for the monitor's 5 ms tick to be stolen), so only
    // real starvation fails it.
    struct Case {
      int workers;
      bool yield_while_held;  // at 1 worker the waiter runs only when the looper switches
      long cap;               // looper iterations
    };
    for (const Case c : {Case{1, true, 1'000'000 / kScale}, Case{2, true, 1'000'000 / kScale},
                         Case{2, false, 200'000'000 / kScale}}) {
      CAPTURE(c.workers);
      CAPTURE(c.yield_while_held);
      std::atomic<bool> acquired{false};
      std::atomic<long> iterations{0};
      const RunResult r = run_checked(c.workers, [&] {
        Mutex mu;
        WaitGroup wg;
        wg.add(2);
        go([&] {
          long i = 0;
          for (; i < c.cap && !acquired.load(std::memory_order_relaxed); ++i) {
            mu.lock();
            if (c.yield_while_held) {
              yield();
            }
            mu.unlock();
          }
          iterations.store(i, std::memory_order_relaxed);
          wg.done();
        });
        go([&] {
          mu.lock();
          acquired.store(true, std::memory_order_relaxed);
          mu.unlock();
          wg.done();
        });
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(acquired.load());
      CHECK_MESSAGE(iterations.load() < c.cap, "the waiter starved");
    }
  }
}
