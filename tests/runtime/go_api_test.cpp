// Go API with Go's semantics: RWMutex::try_lock/try_rlock (Go 1.18), stoppable timers
// (new_timer, after_func, Timer::stop/reset with Go 1.23's return values), the runtime's
// panics told from the program's (runtime.Error), and goexit (runtime.Goexit).
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/panic.h"
#include "runtime/select.h"
#include "runtime/sync.h"
#include "runtime/time.h"

using namespace conc::rt;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Whether c delivers something within `within` (a generous bound: a busy machine is slow).
template <class T>
bool receives_within(const Chan<T>& c, std::chrono::nanoseconds within) {
  std::optional<T> v;
  std::optional<Time> timeout;
  return select(recv_case(c, v), recv_case(after(within), timeout)) == 0;
}

struct CountsDestruction {
  std::atomic<int>* n;
  ~CountsDestruction() { n->fetch_add(1); }
};

}  // namespace

TEST_SUITE("go api") {
  TEST_CASE("RWMutex::try_lock and try_rlock take it only when no wait is needed") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        RWMutex rw;
        CHECK(rw.try_lock());
        CHECK_FALSE(rw.try_lock());
        CHECK_FALSE(rw.try_rlock());
        rw.unlock();
        CHECK(rw.try_rlock());
        CHECK(rw.try_rlock());  // readers share
        CHECK_FALSE(rw.try_lock());
        rw.runlock();
        rw.runlock();
        // A writer waiting behind a reader stops new readers, try_rlock included.
        rw.rlock();
        std::atomic<bool> writer_in{false};
        WaitGroup done;
        done.add(1);
        go([&] {
          rw.lock();
          writer_in.store(true);
          rw.unlock();
          done.done();
        });
        for (int i = 0; i < 1000 && rw.try_rlock(); ++i) {
          rw.runlock();  // the writer has not queued yet
          sleep_for(100us);
        }
        CHECK_FALSE(rw.try_rlock());
        CHECK_FALSE(writer_in.load());
        rw.runlock();
        done.wait();
        CHECK(writer_in.load());
        CHECK(rw.try_lock());
        rw.unlock();
      });
    }
  }

  TEST_CASE("new_timer: stop before it fires returns true, and nothing arrives") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Timer t = new_timer(1h);
        CHECK(t.stop());
        CHECK_FALSE(t.stop());  // already stopped
        CHECK_FALSE(receives_within(t.chan(), 20ms));
      });
    }
  }

  TEST_CASE("new_timer: fires once; stop after an unreceived firing drains it (Go 1.23)") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Timer t = new_timer(1ms);
        sleep_for(20ms);  // fired, and nobody received the time
        CHECK(t.stop());  // Go 1.23: not received yet counts as still running
        CHECK_FALSE(receives_within(t.chan(), 20ms));  // no stale value

        Timer u = new_timer(1ms);
        CHECK(receives_within(u.chan(), 10s));
        CHECK_FALSE(u.stop());  // fired and received: nothing to stop
      });
    }
  }

  TEST_CASE("Timer::reset re-arms: true while active, false once fired and received") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Timer t = new_timer(1h);
        CHECK(t.reset(1ms));  // was active
        CHECK(receives_within(t.chan(), 10s));
        CHECK_FALSE(t.reset(1ms));  // had fired, and the time was received
        CHECK(receives_within(t.chan(), 10s));
        CHECK_FALSE(t.reset(1h));
        CHECK(t.stop());
      });
    }
  }

  TEST_CASE("after_func runs f in a goroutine of its own; stop in time prevents it") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<std::uint64_t> ran_in(1);
        Timer t = after_func(1ms, [ran_in] { ran_in.send(goroutine_id()); });
        CHECK(t.chan().is_nil());
        const std::optional<std::uint64_t> g = ran_in.recv();
        REQUIRE(g.has_value());
        CHECK(*g != goroutine_id());
        CHECK_FALSE(t.stop());  // f was started
        CHECK_FALSE(t.reset(1ms));
        CHECK(ran_in.recv().has_value());  // reset after firing: f runs again

        std::atomic<bool> ran{false};
        Timer never = after_func(1h, [&ran] { ran.store(true); });
        CHECK(never.stop());
        CHECK_FALSE(never.stop());
        CHECK_FALSE(ran.load());
      });
    }
  }

  TEST_CASE("a pending after_func timer is work: no deadlock until it fires") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        Chan<int> c(0);
        after_func(5ms, [c] { c.send(1); });
        CHECK(c.recv() == 1);
      });
      CHECK(r.outcome == Outcome::completed);
    }
  }

  TEST_CASE("a zero Timer panics on stop and reset, as Go's") {
    run_checked(1, [] {
      Timer t;
      CHECK_THROWS_AS(t.stop(), Panic);
      CHECK_THROWS_AS(t.reset(1ms), Panic);
    });
  }

  TEST_CASE("runtime panics are RuntimeError (Go's runtime.Error); the program's are not") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<int> c(1);
        c.close();
        CHECK_THROWS_AS(c.send(1), RuntimeError);
        CHECK_THROWS_AS(c.close(), RuntimeError);
        CHECK_THROWS_AS(Chan<int>().close(), RuntimeError);
        CHECK_THROWS_AS(select(send_case(c, 1)), RuntimeError);
        bool runtime_error = true;
        try {
          throw Panic("mine");
        } catch (const RuntimeError&) {
        } catch (const Panic&) {
          runtime_error = false;
        }
        CHECK_FALSE(runtime_error);
        WaitGroup wg;
        try {
          wg.add(-1);  // the sync package's panic: a plain one in Go too
        } catch (const RuntimeError&) {
          CHECK_MESSAGE(false, "a sync panic is not a runtime error");
        } catch (const Panic& p) {
          CHECK(std::string(p.what()) == "sync: negative WaitGroup counter");
        }
      });
    }
  }

  TEST_CASE("goexit ends only its goroutine, running its destructors") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      std::atomic<bool> after_goexit{false}, caught{false};
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(1);
        go([&] {
          CountsDestruction outer{&destroyed};
          struct Done {
            WaitGroup* wg;
            ~Done() { wg->done(); }  // Go: defer wg.Done()
          } done{&wg};
          try {
            CountsDestruction inner{&destroyed};
            goexit();
          } catch (const Panic&) {
            caught.store(true);  // goexit is not a panic
          }
          after_goexit.store(true);
        });
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(destroyed.load() == 2);
      CHECK_FALSE(after_goexit.load());
      CHECK_FALSE(caught.load());
    }
  }

  TEST_CASE("goexit in main: the others go on, then Go's no-goroutines deadlock") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> finished{0}, destroyed{0};
      const RunResult r = run_checked(w, [&] {
        for (int i = 0; i < 3; ++i) {
          go([&] {
            sleep_for(5ms);
            finished.fetch_add(1);
          });
        }
        CountsDestruction main_local{&destroyed};
        goexit();
      });
      CHECK(finished.load() == 3);
      CHECK(destroyed.load() == 1);
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(r.report == "no goroutines (main called runtime.Goexit) - deadlock!\n");
    }
  }

  TEST_CASE("goexit in main with the others blocked forever: all goroutines are asleep") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        go([] { Chan<int>().recv(); });
        goexit();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(contains(r.report, "all goroutines are asleep - deadlock!"));
      CHECK(contains(r.report, "[chan receive (nil chan)]"));
    }
  }
}
