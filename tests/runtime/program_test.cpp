// How a program ends: panics, deadlock reports, and everything reclaimed afterwards.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/select.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

struct Counted {
  std::atomic<int>* n;
  ~Counted() { n->fetch_add(1); }
};

// An RAII guard whose destructor blocks: it sends on a channel nobody receives from.
struct SendOnExit {
  Chan<int>* c;
  ~SendOnExit() { c->send(1); }
};

// ... and one whose destructor locks a mutex (held by a goroutine that is stuck too).
struct LockOnExit {
  Mutex* m;
  ~LockOnExit() {
    m->lock();
    m->unlock();
  }
};

}  // namespace

TEST_SUITE("program endings") {
  TEST_CASE("an uncaught panic ends run with a report naming the goroutine") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::uint64_t culprit = 0;
      // Main is unwound where it waits (after the panic): what the panicking goroutine uses
      // lives outside, as it may still run when main's locals are gone.
      Chan<int> c(0);
      WaitGroup wg;
      const RunResult r = run_checked(w, [&] {
        c.close();
        wg.add(1);
        go([&] {
          culprit = goroutine_id();
          c.send(1);
        });
        wg.wait();  // never returns: the panic ends the program
      });
      CHECK(r.outcome == Outcome::panic);
      CHECK(r.panic_message == "send on closed channel");
      CHECK(r.panicking_goroutine == culprit);
      CHECK(contains(r.report, "panic: send on closed channel"));
      CHECK(contains(r.report, "goroutine " + std::to_string(culprit) + " [running]"));
    }
  }

  TEST_CASE("a panic unwinds the other goroutines, parked, yielding or queued") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0}, skipped{0};
      std::uint64_t sender = 0;
      const RunResult r = run_checked(w, [&] {
        Counted main_guard{&destroyed};
        Chan<int> never(0), nobody(0);
        WaitGroup started;
        started.add(3);
        go([&] {  // parked when the panic comes
          Counted k{&destroyed};
          started.done();
          never.recv();
        });
        go([&] {  // never parks: stopped at its next yield
          Counted k{&destroyed};
          started.done();
          for (;;) {
            yield();
          }
        });
        go([&] {  // its destructor blocks while it unwinds: abandoned
          sender = goroutine_id();
          Counted after{&skipped};
          SendOnExit guard{&nobody};
          started.done();
          never.recv();
        });
        started.wait();
        go([] { throw Panic("boom"); });
        never.recv();
      });
      CHECK(r.outcome == Outcome::panic);
      CHECK(r.panic_message == "boom");
      CHECK(destroyed.load() == 3);  // main and both helpers were unwound
      CHECK(skipped.load() == 0);
      CHECK(r.abandoned == 1);
      CHECK(contains(r.report, "goroutine " + std::to_string(sender) +
                                   " blocked again while unwinding (in a destructor) [chan "
                                   "send]; abandoned"));
    }
  }

  TEST_CASE("when main returns the others are abandoned, as in Go, and counted") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      const RunResult r = run_checked(w, [&] {
        WaitGroup started;
        started.add(1);
        go([&] {  // waits on no object (one it waited on could not be used again)
          Counted k{&destroyed};
          started.done();
          for (;;) {
            yield();
          }
        });
        started.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(r.abandoned == 1);
      CHECK(destroyed.load() == 0);
    }
  }

  TEST_CASE("a caught panic is like recover: the program goes on") {
    const RunResult r = run_checked(2, [] {
      WaitGroup wg;
      try {
        wg.add(-1);
      } catch (const Panic&) {
      }
    });
    CHECK(r.outcome == Outcome::completed);
  }

  TEST_CASE("deadlock: a receive nobody sends to") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      const RunResult r = run_checked(w, [&] {
        Counted c{&destroyed};
        Chan<int> lonely(0);
        lonely.recv();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(r.report.rfind("all goroutines are asleep - deadlock!", 0) == 0);
      CHECK(contains(r.report, "goroutine 1 [chan receive]"));
      CHECK(contains(r.report, "program_test.cpp"));  // where the channel was created
      CHECK(destroyed.load() == 1);                   // main was unwound
    }
  }

  TEST_CASE("deadlock: a WaitGroup never done, with helpers blocked too") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(3);
        Chan<int> c(0);
        for (int i = 0; i < 2; ++i) {
          go([&] {
            Counted k{&destroyed};
            c.recv();
            wg.done();
          });
        }
        wg.wait();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(contains(r.report, "[sync.WaitGroup.Wait]"));
      CHECK(contains(r.report, "WaitGroup #"));
      CHECK(contains(r.report, "[semacquire]"));  // the legend: older Go's word
      CHECK(contains(r.report, "[chan receive]"));
      CHECK(destroyed.load() == 2);
    }
  }

  TEST_CASE("deadlock: a two-mutex cycle is reported as a wait-for cycle") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      std::uint64_t g2 = 0, g3 = 0;
      const RunResult r = run_checked(w, [&] {
        Mutex a, b;
        WaitGroup both_hold, wg;
        both_hold.add(2);
        wg.add(2);
        go([&] {
          g2 = goroutine_id();
          std::lock_guard la(a);
          both_hold.done();
          both_hold.wait();
          Counted k{&destroyed};
          std::lock_guard lb(b);
          wg.done();
        });
        go([&] {
          g3 = goroutine_id();
          std::lock_guard lb(b);
          both_hold.done();
          both_hold.wait();
          Counted k{&destroyed};
          std::lock_guard la(a);
          wg.done();
        });
        wg.wait();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(contains(r.report, "[sync.Mutex.Lock]"));
      CHECK(contains(r.report, "held by goroutine " + std::to_string(g2)));
      CHECK(contains(r.report, "held by goroutine " + std::to_string(g3)));
      CHECK(contains(r.report, "wait-for cycle: goroutine " + std::to_string(g2)));
      CHECK(destroyed.load() == 2);
    }
  }

  TEST_CASE("deadlock: a writer waiting on readers says how many hold it for reading") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [&] {
        RWMutex rw;
        Chan<int> never(0);
        WaitGroup holding;
        holding.add(2);
        for (int i = 0; i < 2; ++i) {
          go([&] {
            rw.rlock();
            holding.done();
            never.recv();  // keeps its read lock forever
          });
        }
        holding.wait();
        rw.lock();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(contains(r.report, "[sync.RWMutex.Lock]"));
      CHECK(contains(r.report, "held for reading by 2 goroutines"));
    }
  }

  TEST_CASE("deadlock: a destructor that blocks again while unwinding is abandoned") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0}, skipped{0};
      std::uint64_t sender = 0, locker = 0;
      const RunResult r = run_checked(w, [&] {
        Counted main_guard{&destroyed};
        Chan<int> nobody(0), never(0);
        Mutex m;
        WaitGroup ready, done;
        ready.add(2);
        done.add(1);
        go([&] {  // holds m while stuck: the locker's destructor waits for it
          std::lock_guard hold(m);
          Counted k{&destroyed};
          ready.done();
          never.recv();
        });
        go([&] {
          sender = goroutine_id();
          Counted after{&skipped};  // destroyed after the guard: never, once abandoned
          SendOnExit guard{&nobody};
          ready.done();
          never.recv();
        });
        ready.wait();
        go([&] {
          locker = goroutine_id();
          Counted after{&skipped};
          LockOnExit guard{&m};
          never.recv();
        });
        done.wait();
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(r.abandoned == 2);
      CHECK(contains(r.report, "goroutine " + std::to_string(sender) +
                                   " blocked again while unwinding (in a destructor) [chan "
                                   "send]; abandoned"));
      CHECK(contains(r.report, "goroutine " + std::to_string(locker) +
                                   " blocked again while unwinding (in a destructor) "
                                   "[sync.Mutex.Lock]; abandoned"));
      CHECK(destroyed.load() == 2);  // main and the holder were unwound all the same
      CHECK(skipped.load() == 0);    // the abandoned ones' remaining frames never ran
    }
  }

  TEST_CASE("no false report while a timer is pending") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        Chan<int> c(0);
        go([&] {
          sleep_for(20ms);  // everyone else is blocked meanwhile: not a deadlock
          c.send(1);
        });
        CHECK(c.recv() == 1);
        std::optional<int> v;
        std::optional<Time> t;
        Chan<int> never(0);
        CHECK(select(recv_case(never, v), recv_case(after(10ms), t)) == 1);
      });
      CHECK(r.outcome == Outcome::completed);
    }
  }

  TEST_CASE("deadlock: a select on nil channels says [select]; only select {} says no cases") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        go([] { select(); });  // Go's select {}
        Chan<int> nil_a, nil_b;
        std::optional<int> v;
        select(recv_case(nil_a, v), send_case(nil_b, 1));
      });
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(contains(r.report, "goroutine 1 [select]:"));
      CHECK(contains(r.report, "goroutine 2 [select (no cases)]:"));
      CHECK_FALSE(contains(r.report, "semacquire"));  // no sync wait: no legend
    }
  }

  TEST_CASE("Once called from its own function deadlocks, and says so") {
    const RunResult r = run_checked(1, [] {
      Once once;
      once.call([&] { once.call([] {}); });
    });
    CHECK(r.outcome == Outcome::deadlock);
    CHECK(contains(r.report, "held by goroutine 1"));
    CHECK(contains(r.report, "wait-for cycle: goroutine 1"));
  }

  TEST_CASE("a runtime can run program after program, stacks reused") {
    for (int i = 0; i < 20; ++i) {
      run_checked(2, [] {
        Chan<int> c(0);
        go([&] { c.send(1); });
        c.recv();
      });
    }
    CHECK(stats().stacks_reserved > 0);
  }
}
