// Lifetime: every sync object and channel may be destroyed by the goroutine that was just
// released by it, while the releasing call is still returning (sync.h, "Lifetime"). Each test
// allocates the object on the heap and deletes it the moment the release is seen, many times
// over, at 1, 2, 4 and 8 workers: under AddressSanitizer a releaser that touches the object
// after publishing the release is a heap-use-after-free. CONC_LIFETIME_ROUNDS overrides the
// number of rounds (to hunt a rare interleaving: the default keeps the suite quick).
#include <atomic>
#include <cstdlib>
#include <optional>
#include <string>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/select.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;

namespace {

int rounds() {
  if (const char* env = std::getenv("CONC_LIFETIME_ROUNDS"); env != nullptr) {
    return std::atoi(env);
  }
  return 4'000 / kScale;
}

// Lets the releaser start before the release, by a varying amount, so that the rounds sweep
// across the releasing call's instructions instead of always meeting at the same one.
void stagger(int round) {
  for (int i = 0; i < round % 97; ++i) {
    detail::cpu_relax();
  }
}

void wait_for(const std::atomic<bool>& flag) {
  while (!flag.load(std::memory_order_acquire)) {
    yield();  // one worker: the goroutine we wait for runs here
  }
}

template <class Round>
void each_round(Round round) {
  for (int w : kWorkerCounts) {
    CAPTURE(w);
    run_checked(w, [&] {
      const int n = rounds();
      for (int i = 0; i < n; ++i) {
        round(i);
      }
    });
  }
}

}  // namespace

TEST_SUITE("lifetime") {
  TEST_CASE("WaitGroup: the waiter frees it as soon as wait() returns") {
    each_round([](int i) {
      auto* wg = new WaitGroup;
      std::atomic<bool> started{false};
      wg->add(1);
      go([wg, &started] {
        started.store(true, std::memory_order_release);
        wg->done();
      });
      wait_for(started);
      stagger(i);
      wg->wait();
      delete wg;
    });
  }

  TEST_CASE("WaitGroup: one of two waiters frees it as soon as its wait() returns") {
    each_round([](int i) {
      auto* wg = new WaitGroup;
      std::atomic<bool> started{false}, other_done{false};
      wg->add(1);
      go([wg, &other_done] {
        wg->wait();
        other_done.store(true, std::memory_order_release);
      });
      go([wg, &started] {
        started.store(true, std::memory_order_release);
        wg->done();
      });
      wait_for(started);
      stagger(i);
      wg->wait();
      wait_for(other_done);  // the other waiter must be out before we free it
      delete wg;
    });
  }

  TEST_CASE("Mutex: the goroutine that took it after the unlock frees it") {
    each_round([](int i) {
      auto* mu = new Mutex;
      std::atomic<bool> trying{false}, freed{false};
      mu->lock();
      go([mu, &trying, &freed] {
        trying.store(true, std::memory_order_release);
        mu->lock();
        mu->unlock();
        delete mu;
        freed.store(true, std::memory_order_release);
      });
      wait_for(trying);
      stagger(i * 31);  // sometimes past its spinning: it queues, and unlock() wakes it
      mu->unlock();
      wait_for(freed);
    });
  }

  TEST_CASE("RWMutex: a reader frees it after the writer's unlock; a writer after runlock") {
    each_round([](int i) {
      auto* rw = new RWMutex;
      std::atomic<bool> trying{false}, freed{false};
      rw->lock();
      go([rw, &trying, &freed] {
        trying.store(true, std::memory_order_release);
        rw->rlock();
        rw->runlock();
        delete rw;
        freed.store(true, std::memory_order_release);
      });
      wait_for(trying);
      stagger(i);
      rw->unlock();
      wait_for(freed);
    });
    each_round([](int i) {
      auto* rw = new RWMutex;
      std::atomic<bool> trying{false}, freed{false};
      rw->rlock();
      go([rw, &trying, &freed] {
        trying.store(true, std::memory_order_release);
        rw->lock();
        rw->unlock();
        delete rw;
        freed.store(true, std::memory_order_release);
      });
      wait_for(trying);
      stagger(i);
      rw->runlock();
      wait_for(freed);
    });
  }

  TEST_CASE("Cond: the woken waiter frees the Cond and its Mutex") {
    struct Box {
      Mutex mu;
      Cond cv{mu};
      bool ready = false;
    };
    each_round([](int i) {
      auto* box = new Box;
      std::atomic<bool> waiting{false}, freed{false};
      go([box, &waiting, &freed] {
        box->mu.lock();
        waiting.store(true, std::memory_order_release);
        while (!box->ready) {
          box->cv.wait();
        }
        box->mu.unlock();
        delete box;
        freed.store(true, std::memory_order_release);
      });
      wait_for(waiting);
      stagger(i);
      box->mu.lock();
      box->ready = true;
      if (i % 2 == 0) {
        box->cv.signal();
      } else {
        box->cv.broadcast();
      }
      box->mu.unlock();
      wait_for(freed);
    });
  }

  TEST_CASE("Once: a caller frees it as soon as its call() returns") {
    each_round([](int i) {
      auto* once = new Once;
      std::atomic<int> runs{0};
      std::atomic<bool> first_out{false}, freed{false};
      go([once, &runs, &first_out] {
        once->call([&runs] { runs.fetch_add(1); });
        first_out.store(true, std::memory_order_release);
      });
      go([once, &runs, &first_out, &freed, i] {
        stagger(i);
        once->call([&runs] { runs.fetch_add(1); });
        wait_for(first_out);  // the other caller returned too: nobody else is inside
        delete once;
        freed.store(true, std::memory_order_release);
      });
      wait_for(freed);
      CHECK(runs.load() == 1);
    });
    // The runner itself may be what the others wait on: the deleter is a fast-path caller.
    each_round([](int i) {
      auto* once = new Once;
      std::atomic<bool> ran{false}, freed{false};
      go([once, &ran] { once->call([&ran] { ran.store(true, std::memory_order_release); }); });
      go([once, &ran, &freed, i] {
        wait_for(ran);
        stagger(i);
        once->call([] {});
        // The runner may still be returning from call(): it must no longer touch *once.
        freed.store(true, std::memory_order_release);
        delete once;
      });
      wait_for(freed);
      yield();
    });
  }

  TEST_CASE("Chan: the receiver frees the channel once a close or a value reaches it") {
    for (std::size_t cap : {std::size_t{0}, std::size_t{1}}) {
      CAPTURE(cap);
      each_round([cap](int i) {
        // The receiver owns the only handle; the closer reaches it through a pointer.
        auto* ch = new Chan<int>(cap);
        std::atomic<bool> started{false}, freed{false};
        go([ch, &started, &freed, i] {
          started.store(true, std::memory_order_release);
          const bool by_select = i % 2 == 0;
          std::optional<int> v;
          if (by_select) {
            select(recv_case(*ch, v));
          } else {
            v = ch->recv();
          }
          if (v.has_value()) {
            CHECK(*v == 7);
          }
          delete ch;
          freed.store(true, std::memory_order_release);
        });
        wait_for(started);
        stagger(i);
        if (i % 3 == 0) {
          ch->send(7);
        } else {
          ch->close();
        }
        wait_for(freed);
      });
    }
  }
}
