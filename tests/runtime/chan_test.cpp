// Go's channel matrix (research-anchors.md A.2), every cell, at 1, 2, 4 and 8 workers.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

template <class F>
std::string panic_text(F&& f) {
  try {
    f();
  } catch (const Panic& p) {
    return p.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("channels") {
  TEST_CASE("unbuffered: a send completes only when a receiver takes it (rendezvous)") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<int> c(0);
        std::atomic<bool> sent{false};
        go([&] {
          c.send(7);
          sent.store(true);
        });
        sleep_for(2ms);
        CHECK_FALSE(sent.load());  // nobody received yet: the sender is still blocked
        CHECK(c.recv() == 7);
        CHECK(c.len() == 0);
        CHECK(c.cap() == 0);
      });
    }
  }

  TEST_CASE("buffered: sends block only when full, values come out in order") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<int> c(3);
        for (int i = 0; i < 3; ++i) {
          CHECK(c.try_send(i) == ChanStatus::ok);
        }
        CHECK(c.try_send(3) == ChanStatus::full);
        CHECK(c.len() == 3);
        CHECK(c.cap() == 3);
        go([&] { c.send(3); });  // blocks until we make room
        for (int i = 0; i < 4; ++i) {
          CHECK(c.recv() == i);
        }
        CHECK(c.try_recv().status == ChanStatus::empty);
      });
    }
  }

  TEST_CASE("closed: buffered values drain first, then receives return nullopt at once") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<std::string> c(2);
        c.send("a");
        c.send("b");
        c.close();
        CHECK(c.len() == 2);
        CHECK(c.recv() == std::optional<std::string>("a"));
        CHECK(c.try_recv().value == std::optional<std::string>("b"));
        CHECK(c.recv() == std::nullopt);
        CHECK(c.try_recv().status == ChanStatus::closed);
        CHECK(c.len() == 0);
      });
    }
  }

  TEST_CASE("Go's panics: send on closed, close of closed, close of nil") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        for (int capacity : {0, 1}) {
          CAPTURE(capacity);
          Chan<int> c(capacity);
          c.close();
          CHECK(panic_text([&] { c.send(1); }) == "send on closed channel");
          CHECK(panic_text([&] { c.try_send(1); }) == "send on closed channel");
          CHECK(panic_text([&] { c.close(); }) == "close of closed channel");
        }
        Chan<int> nil;
        CHECK(panic_text([&] { nil.close(); }) == "close of nil channel");
      });
    }
  }

  TEST_CASE("close wakes every blocked receiver with nullopt and panics every blocked sender") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<std::uint64_t> closer{0};
      std::vector<std::uint64_t> blocked_ids;  // main's, once every goroutine has started
      Config config;
      config.trace = true;  // proves below that each one was parked when close woke it
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<int> rc(0), sc(0);
            std::atomic<int> got_nullopt{0}, panicked{0}, started{0};
            std::vector<std::atomic<std::uint64_t>> ids(8);
            WaitGroup wg;
            wg.add(8);
            for (std::size_t i = 0; i < 4; ++i) {
              go([&, i] {
                ids[2 * i].store(goroutine_id());
                started.fetch_add(1);
                if (!rc.recv().has_value()) {
                  got_nullopt.fetch_add(1);
                }
                wg.done();
              });
              go([&, i] {
                ids[2 * i + 1].store(goroutine_id());
                started.fetch_add(1);
                if (panic_text([&] { sc.send(1); }) == "send on closed channel") {
                  panicked.fetch_add(1);
                }
                wg.done();
              });
            }
            while (started.load() < 8) {
              yield();
            }
            sleep_for(50ms);  // from started to parked is a few instructions: ample time
            closer.store(goroutine_id());
            rc.close();
            sc.close();
            wg.wait();
            CHECK(got_nullopt.load() == 4);
            CHECK(panicked.load() == 4);
            for (auto& id : ids) {
              blocked_ids.push_back(id.load());
            }
          },
          config);
      // Each of the eight parked on its channel and was readied by the goroutine that closed
      // it: a receiver or sender that reached the channel only after close would have returned
      // or panicked without ever blocking, and this test would not show what it claims.
      for (std::uint64_t id : blocked_ids) {
        CAPTURE(id);
        int blocks = 0;
        int woken_by_closer = 0;
        for (const TraceEvent& e : r.trace) {
          blocks += e.goroutine == id && e.kind == EventKind::block ? 1 : 0;
          woken_by_closer +=
              e.goroutine == id && e.kind == EventKind::unblock && e.other == closer.load() ? 1 : 0;
        }
        CHECK(blocks >= 1);
        CHECK(woken_by_closer == 1);
      }
    }
  }

  TEST_CASE("nil channel: len and cap are 0, try ops would block, send and recv block forever") {
    const RunResult r = run_checked(2, [] {
      Chan<int> nil;
      CHECK(nil.is_nil());
      CHECK(nil.len() == 0);
      CHECK(nil.cap() == 0);
      CHECK(nil.try_send(1) == ChanStatus::full);
      CHECK(nil.try_recv().status == ChanStatus::empty);
      go([&] { nil.send(1); });
      nil.recv();  // blocks forever: the deadlock detector ends the program
    });
    CHECK(r.outcome == Outcome::deadlock);
    CHECK(r.report.find("chan receive (nil chan)") != std::string::npos);
    CHECK(r.report.find("chan send (nil chan)") != std::string::npos);
  }

  TEST_CASE("move-only values travel through unbuffered and buffered channels") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        for (std::size_t cap : {0, 4}) {
          Chan<std::unique_ptr<int>> c(cap);
          go([&] {
            for (int i = 0; i < 10; ++i) {
              c.send(std::make_unique<int>(i));
            }
            c.close();
          });
          int expect = 0;
          while (auto v = c.recv()) {
            CHECK(**v == expect++);
          }
          CHECK(expect == 10);
        }
      });
    }
  }

  TEST_CASE("a buffered channel destroys the values nobody received") {
    auto counter = std::make_shared<int>(0);
    run_checked(1, [&] {
      Chan<std::shared_ptr<int>> c(4);
      c.send(counter);
      c.send(counter);
      CHECK(counter.use_count() == 3);
    });
    CHECK(counter.use_count() == 1);
  }
}
