// Beyond Go's deadlock detector: a mutex wait-for cycle is found while other goroutines still
// run (and ends the run), and lock-order inversions are reported in runs that never deadlock.
// At 1, 2 and 4 workers. A test whose checker misses still ends: the goroutine that keeps
// running gives up after kGiveUp, and the run then ends as an ordinary "all asleep" deadlock,
// which the kind check rejects.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "rt_test.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

constexpr int kCheckWorkers[] = {1, 2, 4};
constexpr auto kGiveUp = 10s;  // far beyond the checker's confirmation (a few monitor ticks)

// Yields until `flag` is set (an order in time; the checkers need no edge).
void await(const std::atomic<bool>& flag) {
  while (!flag.load()) {
    yield();
  }
}

// A goroutine that keeps running (sleeping 1 ms at a time) until the program ends or kGiveUp.
void keep_busy(std::atomic<long>& ticks) {
  const auto give_up = std::chrono::steady_clock::now() + kGiveUp;
  while (std::chrono::steady_clock::now() < give_up) {
    sleep_for(1ms);
    ticks.fetch_add(1);
  }
}

}  // namespace

TEST_SUITE("lock checks") {
  TEST_CASE("two goroutines in a mutex cycle are reported while a third keeps running") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      std::atomic<long> ticks{0};
      std::uint64_t g_ab = 0;
      std::uint64_t g_ba = 0;
      const auto start = std::chrono::steady_clock::now();
      const RunResult r = run_checked(w, [&] {
        Mutex a;
        Mutex b;
        std::atomic<bool> a_held{false};
        std::atomic<bool> b_held{false};
        WaitGroup wg;
        wg.add(3);
        go([&] {
          g_ab = goroutine_id();
          std::lock_guard first(a);
          a_held.store(true);
          await(b_held);
          std::lock_guard second(b);
          wg.done();
        });
        go([&] {
          g_ba = goroutine_id();
          std::lock_guard first(b);
          b_held.store(true);
          await(a_held);
          std::lock_guard second(a);
          wg.done();
        });
        go([&] {
          keep_busy(ticks);
          wg.done();
        });
        wg.wait();  // Go would wait here for ever: the third goroutine keeps the program alive
      });
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(r.deadlock_kind == DeadlockKind::mutex_cycle);
      CHECK(seconds < 5.0);
      REQUIRE(r.mutex_cycles.size() == 1);
      const MutexCycle& c = r.mutex_cycles[0];
      REQUIRE(c.links.size() == 2);
      CHECK(c.links[0].goroutine == std::min(g_ab, g_ba));
      CHECK(c.links[0].held_by == c.links[1].goroutine);
      CHECK(c.links[1].held_by == c.links[0].goroutine);
      CHECK(c.links[0].waits_for.id != c.links[1].waits_for.id);
      CHECK(std::string(c.links[0].waits_for.kind) == "Mutex");
      CHECK(std::string(c.links[0].goroutine_created.file).find("lockcheck_test.cpp") !=
            std::string::npos);
      const std::string text = format_mutex_cycle(c);
      CHECK(r.report == text);
      CHECK(text.find("partial deadlock") == 0);
      CHECK(text.find("wait-for cycle: goroutine ") != std::string::npos);
      MESSAGE(text);
    }
  }

  TEST_CASE("a goroutine locking a Mutex it holds is a cycle of one; RWMutex write locks too") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      std::atomic<long> ticks{0};
      const RunResult r = run_checked(w, [&] {
        Mutex m;
        RWMutex rw;
        WaitGroup wg;
        wg.add(2);
        go([&] {
          rw.lock();
          m.lock();
          m.lock();  // never returns
          wg.done();
        });
        go([&] {
          keep_busy(ticks);
          wg.done();
        });
        wg.wait();
      });
      CHECK(r.deadlock_kind == DeadlockKind::mutex_cycle);
      REQUIRE(r.mutex_cycles.size() == 1);
      REQUIRE(r.mutex_cycles[0].links.size() == 1);
      CHECK(r.mutex_cycles[0].links[0].held_by == r.mutex_cycles[0].links[0].goroutine);
    }
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      std::atomic<long> ticks{0};
      const RunResult r = run_checked(w, [&] {
        RWMutex rw;
        Mutex m;
        std::atomic<bool> rw_held{false};
        std::atomic<bool> m_held{false};
        go([&] {
          rw.lock();
          rw_held.store(true);
          await(m_held);
          m.lock();
        });
        go([&] {
          m.lock();
          m_held.store(true);
          await(rw_held);
          rw.lock();
        });
        keep_busy(ticks);
      });
      CHECK(r.deadlock_kind == DeadlockKind::mutex_cycle);
      REQUIRE(r.mutex_cycles.size() == 1);
      CHECK(r.mutex_cycles[0].links.size() == 2);
    }
  }

  TEST_CASE("no cycle is reported for heavy nested locking in one order") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      long counter = 0;
      const int per = 3000 / conc::rt::test::kScale;
      const RunResult r = run_checked(w, [&] {
        Mutex outer;
        Mutex inner;
        Mutex other;
        WaitGroup wg;
        wg.add(8);
        for (int g = 0; g < 8; ++g) {
          go([&, g] {
            for (int i = 0; i < per; ++i) {
              if (g % 2 == 0) {
                std::lock_guard l1(outer);
                std::lock_guard l2(inner);
                ++counter;
              } else {
                std::lock_guard l1(inner);  // inner alone, then other: no inversion
                ++counter;
              }
              if (i % 16 == 0) {
                std::lock_guard l3(other);
                yield();  // hold one across a switch: others park on it
              }
            }
            wg.done();
          });
        }
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(r.mutex_cycles.empty());
      CHECK(counter == 8L * per);
    }
  }

  TEST_CASE("when every goroutine is asleep the kind is all_asleep, with the cycle named") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        Mutex a;
        Mutex b;
        std::atomic<bool> a_held{false};
        std::atomic<bool> b_held{false};
        go([&] {
          a.lock();
          a_held.store(true);
          await(b_held);
          b.lock();
        });
        b.lock();
        b_held.store(true);
        await(a_held);
        a.lock();
      });
      CHECK(r.outcome == Outcome::deadlock);
      // Usually all_asleep (immediate); the cycle checker may win the race to report it.
      CHECK(r.deadlock_kind != DeadlockKind::none);
      CHECK(r.mutex_cycles.size() == 1);
    }
  }

  TEST_CASE("lock order: an inversion is reported in a run that never deadlocks") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      for (bool inverted : {true, false}) {
        CAPTURE(inverted);
        std::uint64_t first_g = 0;
        Config config;
        config.check_lock_order = true;
        const RunResult r = run_checked(
            w,
            [&] {
              Mutex a;
              Mutex b;
              WaitGroup wg;
              wg.add(1);
              go([&] {
                first_g = goroutine_id();
                LockGuard la(a);
                LockGuard lb(b);
                wg.done();
              });
              wg.wait();  // one after the other: they never wait for each other
              if (inverted) {
                LockGuard lb(b);
                LockGuard la(a);
              } else {
                LockGuard la(a);
                LockGuard lb(b);
              }
            },
            config);
        CHECK(r.outcome == Outcome::completed);
        if (!inverted) {
          CHECK(r.lock_order.empty());
          continue;
        }
        REQUIRE(r.lock_order.size() == 1);
        const LockOrderWarning& warning = r.lock_order[0];
        CHECK(warning.a.id != warning.b.id);
        CHECK(warning.a_then.id == warning.b.id);
        CHECK(warning.a_then_b.goroutine == first_g);
        CHECK(warning.b_then_a.goroutine == 1);
        CHECK(warning.b_then_a.first_locked.line < warning.b_then_a.second_locked.line);
        const std::string text = format_lock_order(warning);
        CHECK(text.find("lock order inversion") != std::string::npos);
        CHECK(text.find("lockcheck_test.cpp:") != std::string::npos);
        CHECK(text.find("std_mutex") == std::string::npos);
        MESSAGE(text);
      }
    }
  }

  TEST_CASE("lock order: try_lock with back-off is no inversion") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      Config config;
      config.check_lock_order = true;
      const RunResult r = run_checked(
          w,
          [] {
            Mutex a;
            Mutex b;
            auto take_both = [](Mutex& first, Mutex& second) {
              for (;;) {
                first.lock();
                if (second.try_lock()) {
                  break;
                }
                first.unlock();  // back off
                yield();
              }
              second.unlock();
              first.unlock();
            };
            take_both(a, b);
            take_both(b, a);
          },
          config);
      CHECK(r.outcome == Outcome::completed);
      CHECK(r.lock_order.empty());
    }
  }

  TEST_CASE("lock order: a chain a -> b -> c closed by c -> a; off unless asked") {
    for (int w : kCheckWorkers) {
      CAPTURE(w);
      for (bool checking : {true, false}) {
        Config config;
        config.check_lock_order = checking;
        const RunResult r = run_checked(
            w,
            [] {
              Mutex a;
              Mutex b;
              Mutex c;
              RWMutex d;
              auto nested = [](auto& first, auto& second) {
                LockGuard l1(first);
                LockGuard l2(second);
              };
              nested(a, b);
              nested(b, d);
              nested(d, c);
              nested(c, a);  // closes a -> b -> d -> c -> a
              nested(c, a);  // reported once
            },
            config);
        CHECK(r.outcome == Outcome::completed);
        CHECK(r.lock_order.size() == (checking ? 1U : 0U));
        if (checking && !r.lock_order.empty()) {
          CHECK(r.lock_order[0].a_then.id != r.lock_order[0].b.id);  // a chain
          CHECK(format_lock_order(r.lock_order[0]).find("a chain") != std::string::npos);
        }
      }
    }
  }
}
