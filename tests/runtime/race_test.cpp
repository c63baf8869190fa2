// The happens-before race detector (shared.h): each edge of Go's memory model that the runtime
// creates orders accesses (no report), and without it the same accesses are reported, whatever
// the timing. At 1, 2 and 4 workers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/select.h"
#include "runtime/shared.h"
#include "runtime/source_path.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

constexpr int kRaceWorkers[] = {1, 2, 4};

// Runs main_fn at each worker count and returns the number of races of each run, which must
// all have completed.
template <class F>
std::vector<std::size_t> races_at_each(F&& main_fn) {
  std::vector<std::size_t> found;
  for (int w : kRaceWorkers) {
    CAPTURE(w);
    const RunResult r = run_checked(w, main_fn);
    CHECK(r.outcome == Outcome::completed);
    for (const RaceReport& race : r.races) {
      MESSAGE(format_race(race));
    }
    found.push_back(r.races.size());
  }
  return found;
}

bool all_zero(const std::vector<std::size_t>& v) {
  return std::all_of(v.begin(), v.end(), [](std::size_t n) { return n == 0; });
}
bool none_zero(const std::vector<std::size_t>& v) {
  return std::none_of(v.begin(), v.end(), [](std::size_t n) { return n == 0; });
}

// Waits (yielding) until `flag` is set: an order in time that is no happens-before edge (a
// std::atomic is not one of the runtime's synchronisations).
void await(const std::atomic<bool>& flag) {
  while (!flag.load()) {
    yield();
  }
}

// Two goroutines, `first` then `second` in time, with no edge between them.
template <class A, class B>
void in_turn(A first, B second) {
  WaitGroup wg;
  std::atomic<bool> first_done{false};
  wg.add(2);
  go([&] {
    first();
    first_done.store(true);
    wg.done();
  });
  go([&] {
    await(first_done);
    second();
    wg.done();
  });
  wg.wait();
}

}  // namespace

TEST_SUITE("race detector") {
  TEST_CASE("the racy counter is reported, in Go's words, even when no update was lost") {
    for (int w : kRaceWorkers) {
      CAPTURE(w);
      Shared<long> counter;
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(2);
        for (int i = 0; i < 2; ++i) {
          go([&] {
            counter.store(counter.load() + 1);  // one increment each: usually nothing is lost
            wg.done();
          });
        }
        wg.wait();
      });
      REQUIRE(r.races.size() == 1);  // every race of this line is the same pair: one report
      const RaceReport& race = r.races[0];
      CHECK(race.address == reinterpret_cast<std::uintptr_t>(counter.address()));
      CHECK(race.current.goroutine != race.previous.goroutine);
      CHECK(race.current.at.line == race.previous.at.line);
      const std::string text = format_race(race);
      CHECK(text.rfind("==================\nWARNING: DATA RACE\n", 0) == 0);
      CHECK(text.find(" by goroutine ") != std::string::npos);
      CHECK(text.find("Previous ") != std::string::npos);
      CHECK(text.find("race_test.cpp:") != std::string::npos);
      CHECK(text.find(") created at:\n") != std::string::npos);
      MESSAGE(text);
    }
  }

  TEST_CASE("write-write, write-read and read-write are each reported, deduplicated") {
    Shared<int> x;
    std::vector<RaceReport> races;
    run_checked(2, [&] {
      WaitGroup wg;
      std::atomic<bool> written{false};
      std::atomic<bool> rewritten{false};
      wg.add(3);
      go([&] {
        for (int i = 0; i < 100; ++i) {
          x.store(i);  // the writer
        }
        written.store(true);
        wg.done();
      });
      go([&] {
        await(written);
        x.store(-1);  // a second writer, unordered
        rewritten.store(true);
        wg.done();
      });
      go([&] {
        await(rewritten);
        for (int i = 0; i < 100; ++i) {
          (void)x.load();  // a reader, unordered
        }
        wg.done();
      });
      wg.wait();
    }).races.swap(races);
    CHECK(races.size() == 2);  // {writer, second writer}, {second writer, reader}
    bool write_write = false;
    bool write_read = false;
    for (const RaceReport& r : races) {
      write_write = write_write || (r.current.write && r.previous.write);
      write_read = write_read || (!r.current.write && r.previous.write);
    }
    CHECK(write_write);
    CHECK(write_read);
  }

  TEST_CASE("read-write: a write after unordered reads is reported") {
    Shared<int> x;
    const RunResult r =
        run_checked(2, [&] { in_turn([&] { (void)x.load(); }, [&] { x.store(1); }); });
    REQUIRE(r.races.size() == 1);
    CHECK(r.races[0].current.write);
    CHECK_FALSE(r.races[0].previous.write);
    CHECK(r.races[0].previous.goroutine_finished);
    CHECK(format_race(r.races[0]).find("(finished) created at") != std::string::npos);
  }

  TEST_CASE("go: the parent's past is ordered before the child; its future is not") {
    Shared<int> x;
    CHECK(all_zero(races_at_each([&] {
      x.store(1);
      WaitGroup wg;
      wg.add(1);
      go([&] {
        x.store(x.load() + 1);
        wg.done();
      });
      wg.wait();
      CHECK(x.load() == 2);
    })));
    CHECK(none_zero(races_at_each([&] {
      WaitGroup wg;
      wg.add(1);
      go([&] {
        x.store(2);
        wg.done();
      });
      x.store(1);  // after go(): unordered with the child
      wg.wait();
    })));
  }

  TEST_CASE("unbuffered channel: send -> receive, and receive -> the send's completion") {
    Shared<int> x;
    Shared<int> y;
    CHECK(all_zero(races_at_each([&] {
      Chan<int> c(0);
      WaitGroup wg;
      wg.add(2);
      go([&] {
        x.store(1);
        c.send(0);
        (void)y.load();
        wg.done();
      });
      go([&] {
        sleep_for(1ms);
        y.store(2);  // before the receive: ordered before the send's completion
        (void)c.recv();
        (void)x.load();
        wg.done();
      });
      wg.wait();
    })));
    // Without the channel: the same accesses race.
    CHECK(none_zero(races_at_each([&] { in_turn([&] { x.store(1); }, [&] { (void)x.load(); }); })));
  }

  TEST_CASE("buffered channel: send -> receive; no receive -> send edge beyond capacity") {
    Shared<int> x;
    CHECK(all_zero(races_at_each([&] {
      Chan<int> c(4);
      WaitGroup wg;
      wg.add(1);
      go([&] {
        x.store(1);
        c.send(0);
        wg.done();
      });
      (void)c.recv();
      (void)x.load();
      wg.wait();
    })));
    // A receive does not order a send that had room anyway: the sender's later read races.
    CHECK(none_zero(races_at_each([&] {
      Chan<int> c(4);
      WaitGroup wg;
      wg.add(1);
      go([&] {
        c.send(0);
        (void)x.load();  // the send completed at once: nothing orders the receiver's write
        wg.done();
      });
      (void)c.recv();
      x.store(1);
      wg.wait();
    })));
  }

  TEST_CASE("buffered channel: the k-th receive -> the (k+C)-th send (a semaphore)") {
    Shared<int> x;
    auto guarded = [&](std::size_t capacity, int holders) {
      return races_at_each([&, capacity, holders] {
        Chan<int> sem(capacity);
        WaitGroup wg;
        wg.add(holders);
        for (int g = 0; g < holders; ++g) {
          go([&, g] {
            sleep_for(std::chrono::milliseconds(g));
            sem.send(0);  // acquire
            x.store(x.load() + 1);
            sem.recv();  // release
            wg.done();
          });
        }
        wg.wait();
      });
    };
    CHECK(all_zero(guarded(1, 3)));   // capacity 1: a lock
    CHECK(none_zero(guarded(2, 2)));  // capacity 2: both may be inside at once
  }

  TEST_CASE("close -> a receive that sees the channel closed (woken, or arriving late)") {
    Shared<int> x;
    for (bool receiver_first : {true, false}) {
      CAPTURE(receiver_first);
      CHECK(all_zero(races_at_each([&, receiver_first] {
        Chan<int> c(0);
        WaitGroup wg;
        wg.add(1);
        go([&] {
          if (receiver_first) {
            sleep_for(2ms);
          }
          x.store(1);
          c.close();
          wg.done();
        });
        if (!receiver_first) {
          sleep_for(2ms);
        }
        CHECK_FALSE(c.recv().has_value());
        (void)x.load();
        wg.wait();
      })));
    }
    // The channel closed by a third goroutine orders nothing of the writer's.
    CHECK(none_zero(races_at_each([&] {
      Chan<int> c(0);
      go([&] { x.store(1); });
      go([&] { c.close(); });
      sleep_for(2ms);
      (void)c.recv();
      (void)x.load();
    })));
  }

  TEST_CASE("select: the chosen case synchronises as its send or receive") {
    Shared<int> x;
    CHECK(all_zero(races_at_each([&] {
      Chan<int> a(0);
      Chan<int> b(0);
      go([&] {
        x.store(1);
        b.send(7);
      });
      std::optional<int> va;
      std::optional<int> vb;
      CHECK(select(recv_case(a, va), recv_case(b, vb)) == 1);
      (void)x.load();
    })));
  }

  TEST_CASE("Mutex: unlock -> the next lock; an access outside the lock races") {
    Shared<long> counter;
    auto increments = [&](bool one_unlocked) {
      return races_at_each([&, one_unlocked] {
        Mutex mu;
        WaitGroup wg;
        wg.add(3);
        for (int g = 0; g < 3; ++g) {
          go([&, g] {
            for (int i = 0; i < 50; ++i) {
              if (one_unlocked && g == 2) {
                counter.store(counter.load() + 1);
              } else {
                std::lock_guard lock(mu);
                counter.store(counter.load() + 1);
              }
              if (i % 8 == 0) {
                yield();
              }
            }
            wg.done();
          });
        }
        wg.wait();
      });
    };
    CHECK(all_zero(increments(false)));
    CHECK(none_zero(increments(true)));
  }

  TEST_CASE("RWMutex: unlock -> rlock, runlock -> lock; a reader without rlock races") {
    Shared<int> x;
    auto readers_and_writer = [&](bool reader_locks) {
      return races_at_each([&, reader_locks] {
        RWMutex rw;
        WaitGroup wg;
        wg.add(4);
        go([&] {  // a writer first, then readers, then a writer again
          rw.lock();
          x.store(1);
          rw.unlock();
          wg.done();
        });
        for (int g = 0; g < 2; ++g) {
          go([&] {
            sleep_for(2ms);
            if (reader_locks) {
              rw.rlock();
            }
            (void)x.load();
            if (reader_locks) {
              rw.runlock();
            }
            wg.done();
          });
        }
        go([&] {
          sleep_for(4ms);
          rw.lock();
          x.store(2);
          rw.unlock();
          wg.done();
        });
        wg.wait();
      });
    };
    CHECK(all_zero(readers_and_writer(true)));
    CHECK(none_zero(readers_and_writer(false)));
  }

  TEST_CASE("WaitGroup: done -> wait returning; a write after done races") {
    Shared<int> x;
    Shared<int> y;
    for (bool late : {false, true}) {
      CAPTURE(late);
      CHECK(all_zero(races_at_each([&, late] {
        WaitGroup wg;
        wg.add(2);
        go([&] {
          x.store(1);
          wg.done();
        });
        go([&] {
          y.store(1);
          wg.done();
        });
        if (late) {
          sleep_for(2ms);  // wait() finds the counter at 0 already
        }
        wg.wait();
        CHECK(x.load() + y.load() == 2);
      })));
    }
    CHECK(none_zero(races_at_each([&] {
      WaitGroup wg;
      wg.add(1);
      go([&] {
        wg.done();
        x.store(2);  // after done(): not ordered before wait() returning
      });
      wg.wait();
      sleep_for(2ms);
      (void)x.load();
    })));
  }

  TEST_CASE("Once: the function's effects -> every call returning; a bypass races") {
    Shared<int> config;
    auto users = [&](bool bypass) {
      return races_at_each([&, bypass] {
        Once once;
        WaitGroup wg;
        wg.add(3);
        for (int g = 0; g < 3; ++g) {
          go([&, g] {
            sleep_for(std::chrono::milliseconds(g));  // the later ones take the fast path
            if (!(bypass && g == 2)) {
              once.call([&] { config.store(42); });
            }
            (void)config.load();
            wg.done();
          });
        }
        wg.wait();
      });
    };
    CHECK(all_zero(users(false)));
    CHECK(none_zero(users(true)));
  }

  TEST_CASE("Cond: signal -> the woken wait returning, even if the signaller holds no lock") {
    Shared<int> x;
    auto handshake = [&](bool write_after_signal) {
      return races_at_each([&, write_after_signal] {
        Mutex mu;
        Cond cond(mu);
        mu.lock();
        go([&] {
          mu.lock();  // only once main waits (wait() unlocked mu after queueing)
          mu.unlock();
          if (!write_after_signal) {
            x.store(1);
          }
          cond.signal();
          if (write_after_signal) {
            x.store(1);
          }
        });
        cond.wait();
        mu.unlock();
        sleep_for(2ms);
        (void)x.load();
      });
    };
    CHECK(all_zero(handshake(false)));
    CHECK(none_zero(handshake(true)));
  }

  TEST_CASE("no false positive: a pipeline and a locked counter on several workers") {
    Shared<long> total;
    Shared<int> item;
    CHECK(all_zero(races_at_each([&] {
      Chan<int> stage1(8);
      Chan<int> stage2(0);
      Mutex mu;
      WaitGroup wg;
      wg.add(4);
      go([&] {
        for (int i = 0; i < 200; ++i) {
          stage1.send(i);
        }
        stage1.close();
      });
      go([&] {
        while (auto v = stage1.recv()) {
          item.store(*v);  // owned by this stage until sent on
          stage2.send(item.load());
        }
        stage2.close();
      });
      for (int g = 0; g < 4; ++g) {
        go([&] {
          while (auto v = stage2.recv()) {
            std::lock_guard lock(mu);
            total.store(total.load() + *v);
          }
          wg.done();
        });
      }
      wg.wait();
      CHECK(total.load() == 199 * 200 / 2);
      total.store(0);
    })));
  }

  TEST_CASE(
      "a run without Shared<T> reports nothing; a variable reused by a later run starts "
      "clean") {
    const RunResult quiet = run_checked(2, [] {
      Chan<int> c(0);
      go([&] { c.send(1); });
      (void)c.recv();
    });
    CHECK(quiet.races.empty());
    Shared<int> x;
    for (int round = 0; round < 2; ++round) {
      const RunResult r = run_checked(2, [&] {
        x.store(round);  // goroutine 1 of each run: the previous run's accesses do not count
        WaitGroup wg;
        wg.add(1);
        go([&] {
          (void)x.load();
          wg.done();
        });
        wg.wait();
      });
      CHECK(r.races.empty());
    }
  }
}

// The reports' paths: from the repository root whether the compiler was given a path relative
// to the build folder or an absolute one; anything else is left as it is.
static_assert(detail::source_path("../../lessons/x/y.cpp") == "lessons/x/y.cpp");
static_assert(detail::source_path("./lib/runtime/race.cpp") == "lib/runtime/race.cpp");
static_assert(detail::source_path("lessons/x/y.cpp") == "lessons/x/y.cpp");
static_assert(detail::source_path("/elsewhere/z.cpp") == "/elsewhere/z.cpp");
TEST_CASE("race report paths: this file's own path, from the repository root") {
  const std::string root(detail::repository_root());
  CHECK(detail::source_path(root + "tests/runtime/race_test.cpp") == "tests/runtime/race_test.cpp");
  CHECK(detail::source_path(__builtin_FILE()) == "tests/runtime/race_test.cpp");
}
