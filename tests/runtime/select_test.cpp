// select: fairness, default, timeouts, nil cases, sends, close.
#include <atomic>
#include <chrono>
#include <cmath>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/select.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

TEST_SUITE("select") {
  TEST_CASE("two always-ready cases are each chosen 50% +- 5%, and not periodically") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<int> a(1), b(1);
        constexpr int kN = 10'000;
        int from_a = 0;
        int same_as_two_ago = 0;
        int prev1 = -1, prev2 = -1;
        for (int i = 0; i < kN; ++i) {
          a.try_send(1);
          b.try_send(2);
          std::optional<int> va, vb;
          const int k = select(recv_case(a, va), recv_case(b, vb));
          from_a += k == 0 ? 1 : 0;
          same_as_two_ago += k == prev2 ? 1 : 0;
          prev2 = prev1;
          prev1 = k;
          CHECK((k == 0 ? va : vb).has_value());
        }
        CHECK(from_a >= kN * 45 / 100);
        CHECK(from_a <= kN * 55 / 100);
        // A period-2 (or constant) pattern would make this ~100%; random is ~50%.
        CHECK(same_as_two_ago <= kN * 55 / 100);
      });
    }
  }

  TEST_CASE("default runs only when no case is ready") {
    run_checked(2, [] {
      Chan<int> a(1);
      std::optional<int> v;
      CHECK(select(recv_case(a, v), default_case()) == 1);
      a.send(5);
      CHECK(select(recv_case(a, v), default_case()) == 0);
      CHECK(v == 5);
      CHECK(select(default_case(), send_case(a, 6)) == 1);
      CHECK(select(default_case(), send_case(a, 7)) == 0);  // full now
    });
  }

  TEST_CASE("a timeout through after() fires when nothing else does") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(w, [] {
        Chan<int> never(0);
        std::optional<int> v;
        std::optional<Time> t;
        CHECK(select(recv_case(never, v), recv_case(after(2ms), t)) == 1);
        CHECK(t.has_value());
      });
      CHECK(r.outcome == Outcome::completed);
    }
  }

  TEST_CASE("a blocked select is woken by a sender, by a receiver, and by close") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        Chan<int> in(0), out(0), dead(0);
        go([&] { in.send(1); });
        std::optional<int> v, d;
        CHECK(select(recv_case(in, v), recv_case(dead, d)) == 0);
        CHECK(v == 1);
        go([&] { CHECK(out.recv() == 9); });
        CHECK(select(send_case(out, 9), recv_case(dead, d)) == 0);
        go([&] { dead.close(); });
        d = 3;
        CHECK(select(recv_case(in, v), recv_case(dead, d)) == 1);
        CHECK(d == std::nullopt);
      });
    }
  }

  TEST_CASE("nil channels are never chosen; a send case on a closed channel panics") {
    run_checked(2, [] {
      Chan<int> nil, a(1);
      a.send(1);
      std::optional<int> v, n;
      for (int i = 0; i < 100; ++i) {
        CHECK(select(recv_case(nil, n), recv_case(a, v), send_case(nil, 1)) == 1);
        a.send(1);
      }
      Chan<int> closed(0);
      closed.close();
      std::string msg;
      try {
        select(send_case(closed, 1));
      } catch (const Panic& p) {
        msg = p.what();
      }
      CHECK(msg == "send on closed channel");
    });
  }

  TEST_CASE("a select with only nil cases and no default blocks forever") {
    const RunResult r = run_checked(1, [] {
      Chan<int> nil;
      std::optional<int> v;
      select(recv_case(nil, v));
    });
    CHECK(r.outcome == Outcome::deadlock);
    CHECK(r.report.find("[select (no cases)]") != std::string::npos);
  }
}
