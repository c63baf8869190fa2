// Mutex, RWMutex, Cond, Once, WaitGroup under contention, at 1, 2, 4 and 8 workers.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

TEST_SUITE("sync") {
  TEST_CASE("Mutex: contended increments are never lost; try_lock fails while held") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      long counter = 0;  // plain: the mutex is the only thing protecting it
      const int per = 20'000 / kScale;
      run_checked(w, [&] {
        Mutex mu;
        WaitGroup wg;
        wg.add(8);
        for (int g = 0; g < 8; ++g) {
          go([&] {
            for (int i = 0; i < per; ++i) {
              std::lock_guard lock(mu);
              ++counter;
              if (i % 64 == 0) {
                yield();  // hold it across a switch now and then: others must park
              }
            }
            wg.done();
          });
        }
        wg.wait();
        mu.lock();
        CHECK_FALSE(mu.try_lock());
        mu.unlock();
        CHECK(mu.try_lock());
        mu.unlock();
      });
      CHECK(counter == 8L * per);
    }
  }

  TEST_CASE("RWMutex: readers share, writers exclude, a waiting writer blocks new readers") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        RWMutex rw;
        std::atomic<int> readers{0}, max_readers{0}, writers{0};
        std::atomic<bool> overlap{false};
        WaitGroup wg;
        wg.add(12);
        for (int g = 0; g < 12; ++g) {
          go([&, g] {
            for (int i = 0; i < 200; ++i) {
              if (g % 4 == 0) {
                rw.lock();
                if (writers.fetch_add(1) != 0 || readers.load() != 0) {
                  overlap = true;
                }
                yield();
                writers.fetch_sub(1);
                rw.unlock();
              } else {
                rw.rlock();
                const int r = readers.fetch_add(1) + 1;
                max_readers.store(std::max(max_readers.load(), r));
                if (writers.load() != 0) {
                  overlap = true;
                }
                yield();
                readers.fetch_sub(1);
                rw.runlock();
              }
            }
            wg.done();
          });
        }
        wg.wait();
        CHECK_FALSE(overlap.load());
        CHECK(max_readers.load() >= 1);
      });
    }
    // Writer preference: with a writer queued, a second rlock by the same goroutine blocks.
    const RunResult r = run_checked(2, [] {
      RWMutex rw;
      rw.rlock();
      go([&] { rw.lock(); });
      sleep_for(2ms);
      rw.rlock();  // deadlocks, as in Go
    });
    CHECK(r.outcome == Outcome::deadlock);
    CHECK(r.report.find("sync.RWMutex.RLock") != std::string::npos);
    CHECK(r.report.find("sync.RWMutex.Lock") != std::string::npos);
  }

  TEST_CASE("Cond: signal wakes one, broadcast wakes all, no spurious wake-ups") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Mutex mu;
        Cond cond(mu);
        int ready = 0, woken = 0;
        WaitGroup wg;
        wg.add(5);
        for (int g = 0; g < 5; ++g) {
          go([&] {
            std::unique_lock lock(mu);
            ++ready;
            cond.wait();  // no predicate loop on purpose: any wake-up must be a real one
            ++woken;
            lock.unlock();
            wg.done();
          });
        }
        for (;;) {  // cooperative: give the waiters the worker until all five wait
          {
            std::lock_guard lock(mu);
            if (ready == 5) {
              break;
            }
          }
          yield();
        }
        sleep_for(2ms);
        {
          std::lock_guard lock(mu);
          CHECK(woken == 0);
          cond.signal();
        }
        for (;;) {
          sleep_for(1ms);
          std::lock_guard lock(mu);
          if (woken == 1) {
            break;
          }
        }
        sleep_for(2ms);
        {
          std::lock_guard lock(mu);
          CHECK(woken == 1);
          cond.broadcast();
        }
        wg.wait();
        CHECK(woken == 5);
      });
    }
  }

  TEST_CASE("Once: runs once, everyone waits for it, a throwing function still counts as done") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Once once;
        std::atomic<int> calls{0};
        std::atomic<int> saw_done{0};
        WaitGroup wg;
        wg.add(10);
        for (int g = 0; g < 10; ++g) {
          go([&] {
            once.call([&] {
              sleep_for(1ms);
              calls.fetch_add(1);
            });
            saw_done.fetch_add(calls.load() == 1 ? 1 : 0);
            wg.done();
          });
        }
        wg.wait();
        CHECK(calls.load() == 1);
        CHECK(saw_done.load() == 10);
        Once throwing;
        CHECK_THROWS_AS(throwing.call([] { throw Panic("boom"); }), Panic);
        bool again = false;
        throwing.call([&] { again = true; });
        CHECK_FALSE(again);
      });
    }
  }

  TEST_CASE("WaitGroup: wait returns at zero; going negative panics with Go's message") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        WaitGroup wg;
        wg.wait();  // zero: returns at once
        std::atomic<int> done{0};
        wg.add(3);
        for (int i = 0; i < 3; ++i) {
          go([&] {
            sleep_for(1ms);
            done.fetch_add(1);
            wg.done();
          });
        }
        wg.wait();
        CHECK(done.load() == 3);
        std::string msg;
        try {
          wg.done();
        } catch (const Panic& p) {
          msg = p.what();
        }
        CHECK(msg == "sync: negative WaitGroup counter");
      });
    }
  }
}
