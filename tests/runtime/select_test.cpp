// select: fairness, default, timeouts, nil cases, sends, close.
#include <atomic>
#include <chrono>
#include <cmath>
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
// 64 choices between two always-ready cases, as a string of 'a' and 'b'.
std::string choices(int workers, std::uint64_t seed) {
  std::string seq;
  Config config;
  config.random_seed = seed;
  run_checked(
      workers,
      [&seq] {
        Chan<int> a(1), b(1);
        for (int i = 0; i < 64; ++i) {
          a.try_send(1);
          b.try_send(2);
          std::optional<int> va, vb;
          seq += select(recv_case(a, va), recv_case(b, vb)) == 0 ? 'a' : 'b';
        }
      },
      config);
  return seq;
}
}  // namespace

TEST_SUITE("select") {
  TEST_CASE("random choices differ from run to run (seeded once per process, as Go)") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      // Two runs agree by chance with probability 2^-64.
      CHECK(choices(w, 0) != choices(w, 0));
    }
    // A fixed seed repeats them (one worker: nobody else draws from its generator).
    CHECK(choices(1, 42) == choices(1, 42));
    CHECK(choices(1, 42) != choices(1, 43));
  }

  TEST_CASE("a case holds its channel, as Go evaluates the operands once: last handle dropped") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      run_checked(w, [] {
        for (int i = 0; i < 50; ++i) {
          // Go: select { case v, ok := <-ch: ...; case nilch <- f(): } where f() closes ch
          // and sets ch = nil: the receive fires on the original, now closed, channel.
          Chan<int> ch(0), nil_ch;
          auto close_and_forget = [&ch] {
            ch.close();
            ch = Chan<int>();  // the last handle: only the case holds the channel now
            return 1;
          };
          std::optional<int> v{0};
          auto on_ch = recv_case(ch, v);
          auto on_nil = send_case(nil_ch, close_and_forget());
          CHECK(select(on_ch, on_nil) == 0);
          CHECK_FALSE(v.has_value());
          CHECK(ch.is_nil());
          // A buffered value and a send both still reach the original channel.
          Chan<int> buffered(2);
          buffered.send(5);
          std::optional<int> got;
          auto take = recv_case(buffered, got);
          auto put = send_case(buffered, 6);
          buffered = Chan<int>();
          CHECK(select(take) == 0);
          CHECK(got == 5);
          CHECK(select(put, default_case()) == 0);
        }
      });
    }
  }

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
    CHECK(r.report.find("[select]") != std::string::npos);  // Go: only select {} has no cases
  }
}
