// Compact goroutines (SpawnOptions::compact_when_parked, compact.h): parked on every kind of
// runtime object, compacted (their stacks copied out and released), woken with values, on
// 1, 2, 4 and 8 workers; frames come back intact at the same addresses; deadlock unwinding
// and abandonment reclaim them; the default mode is untouched. Most programs here run with
// Config::compact_batch = 1, so that every park compacts.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/compact.h"
#include "runtime/sched.h"
#include "runtime/select.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

constexpr SpawnOptions kCompact{.compact_when_parked = true};

Config every_park_compacts() {
  Config c;
  c.compact_batch = 1;
  return c;
}

std::uint64_t compactions(const RunResult& r) {
  std::uint64_t n = 0;
  for (const WorkerStats& w : r.workers) {
    n += w.compactions;
  }
  return n;
}

std::uint64_t restores(const RunResult& r) {
  std::uint64_t n = 0;
  for (const WorkerStats& w : r.workers) {
    n += w.restores;
  }
  return n;
}

// From main: waits (parked, so that workers run the others) until at least n stacks are
// compacted, at most 20 s. Returns the count it saw.
std::int64_t wait_compacted(std::int64_t n) {
  for (int i = 0; i < 20'000 && stats().stacks_compacted < n; ++i) {
    sleep_for(1ms);
  }
  return stats().stacks_compacted;
}

// Frames that must come back intact: `depth` nested frames, each with its own pattern, and a
// pointer from the innermost to a local of the goroutine's outermost frame. `block` parks.
template <class F>
__attribute__((noinline)) bool with_frames(int depth, std::uint64_t seed, std::uint64_t* outer,
                                           F& block) {
  volatile std::uint64_t pattern[24];
  for (int i = 0; i < 24; ++i) {
    pattern[i] = seed * 1'000'003 + static_cast<std::uint64_t>(i * 7 + depth);
  }
  bool ok = true;
  if (depth == 0) {
    block();
    *outer += 1;
  } else {
    ok = with_frames(depth - 1, seed, outer, block);
  }
  for (int i = 0; i < 24; ++i) {
    ok = ok && pattern[i] == seed * 1'000'003 + static_cast<std::uint64_t>(i * 7 + depth);
  }
  return ok;
}

// Runs block() deep in frames and counts the goroutine in `intact` if they survived.
template <class F>
void parked_deep(std::uint64_t seed, std::atomic<int>& intact, F&& block) {
  std::uint64_t outer = 0;
  if (with_frames(6, seed, &outer, block) && outer == 1) {
    intact.fetch_add(1, std::memory_order_relaxed);
  }
}

struct Big {  // larger than the inline value buffer, and not trivially copyable
  std::array<std::uint64_t, 40> words{};
  std::string text;
};

Big make_big(std::uint64_t i) {
  Big b;
  for (std::size_t k = 0; k < b.words.size(); ++k) {
    b.words[k] = i * 131 + k;
  }
  b.text = i % 2 == 0 ? std::string("short ") : std::string(100, 'x');  // SSO and heap
  b.text.append(std::to_string(i));  // (append, not +: GCC 12 warns falsely on + at -O3)
  return b;
}

bool is_big(const Big& b, std::uint64_t i) {
  return b.words == make_big(i).words && b.text == make_big(i).text;
}

}  // namespace

TEST_SUITE("compact goroutines") {
  TEST_CASE("parked on a channel receive: compacted, then woken with a value, frames intact") {
    const int n = 200;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0};
      std::atomic<std::uint64_t> sum{0};
      std::int64_t seen = 0;
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<std::uint64_t> values(0);
            WaitGroup wg;
            wg.add(n);
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    parked_deep(static_cast<std::uint64_t>(i), intact,
                                [&] { sum.fetch_add(*values.recv()); });
                    wg.done();
                  },
                  kCompact);
            }
            seen = wait_compacted(n);
            for (int i = 0; i < n; ++i) {
              values.send(static_cast<std::uint64_t>(i) + 1);
            }
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(seen >= n);
      CHECK(intact.load() == n);
      CHECK(sum.load() == static_cast<std::uint64_t>(n) * (n + 1) / 2);
      CHECK(compactions(r) >= static_cast<std::uint64_t>(n));
      CHECK(restores(r) >= static_cast<std::uint64_t>(n));
    }
  }

  TEST_CASE("large and non-trivial values: to parked receivers and from parked senders") {
    const int n = 64;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0}, received_ok{0}, sent_ok{0};
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<Big> to_them(0), from_them(0);
            Chan<std::string> small(0);
            WaitGroup wg;
            wg.add(std::int64_t{3} * n);
            for (int i = 0; i < n; ++i) {
              const auto id = static_cast<std::uint64_t>(i);
              go(  // a parked receiver: the sender constructs the value off its stack
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      const std::optional<Big> b = to_them.recv();
                      if (b && b->words[1] == b->words[0] + 1 && b->text.size() >= 6) {
                        received_ok.fetch_add(1);
                      }
                    });
                    wg.done();
                  },
                  kCompact);
              go(  // a parked sender: the receiver moves the value from off its stack
                  [&, id] {
                    parked_deep(id, intact, [&] { from_them.send(make_big(id)); });
                    wg.done();
                  },
                  kCompact);
              go(  // a small value (the inline buffer), with a short string's inner pointer
                  [&, id] {
                    parked_deep(id, intact,
                                [&] { small.send(std::string("s").append(std::to_string(id))); });
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(std::int64_t{3} * n);
            std::vector<bool> seen_big(n), seen_small(n);
            for (int i = 0; i < n; ++i) {
              to_them.send(make_big(static_cast<std::uint64_t>(i)));
              const Big b = *from_them.recv();
              const auto id = static_cast<std::size_t>(b.words[0] / 131);
              if (id < seen_big.size() && !seen_big[id] && is_big(b, id)) {
                seen_big[id] = true;
                sent_ok.fetch_add(1);
              }
              const std::string s = *small.recv();
              const auto sid = static_cast<std::size_t>(std::stoul(s.substr(1)));
              if (sid < seen_small.size() && !seen_small[sid]) {
                seen_small[sid] = true;
                sent_ok.fetch_add(1);
              }
            }
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == 3 * n);
      CHECK(received_ok.load() == n);
      CHECK(sent_ok.load() == 2 * n);
      CHECK(compactions(r) >= static_cast<std::uint64_t>(3 * n));
    }
  }

  TEST_CASE("close wakes parked compact receivers with nullopt and panics parked senders") {
    const int n = 50;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0}, nullopts{0}, panics{0};
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<Big> c(0);
            WaitGroup wg;
            wg.add(std::int64_t{2} * n);
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    parked_deep(static_cast<std::uint64_t>(i), intact, [&] {
                      if (!c.recv()) {
                        nullopts.fetch_add(1);
                      }
                    });
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(n);
            Chan<Big> d(0);
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    parked_deep(static_cast<std::uint64_t>(i), intact, [&] {
                      try {
                        d.send(make_big(static_cast<std::uint64_t>(i)));
                      } catch (const Panic&) {
                        panics.fetch_add(1);
                      }
                    });
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(std::int64_t{2} * n);
            c.close();
            d.close();
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == 2 * n);
      CHECK(nullopts.load() == n);
      CHECK(panics.load() == n);
    }
  }

  TEST_CASE("parked on Mutex, RWMutex, Cond and WaitGroup") {
    const int n = 40;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0};
      int under_mutex = 0, under_rwmutex = 0, readers_in = 0, woken_by_cond = 0;
      const RunResult r = run_checked(
          w,
          [&] {
            Mutex mu;
            RWMutex rw;
            Mutex cond_mu;
            Cond cond(cond_mu);
            bool go_ahead = false;
            WaitGroup gate, wg;
            gate.add(1);
            wg.add(std::int64_t{5} * n);
            mu.lock();
            rw.lock();
            for (int i = 0; i < n; ++i) {
              const auto id = static_cast<std::uint64_t>(i);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      mu.lock();
                      ++under_mutex;
                      mu.unlock();
                    });
                    wg.done();
                  },
                  kCompact);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      rw.rlock();
                      mu.lock();
                      ++readers_in;
                      mu.unlock();
                      rw.runlock();
                    });
                    wg.done();
                  },
                  kCompact);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      rw.lock();
                      ++under_rwmutex;
                      rw.unlock();
                    });
                    wg.done();
                  },
                  kCompact);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      cond_mu.lock();
                      while (!go_ahead) {
                        cond.wait();
                      }
                      ++woken_by_cond;
                      cond_mu.unlock();
                    });
                    wg.done();
                  },
                  kCompact);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] { gate.wait(); });
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(std::int64_t{5} * n);
            mu.unlock();
            rw.unlock();
            cond_mu.lock();
            go_ahead = true;
            cond.broadcast();
            cond_mu.unlock();
            gate.done();
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == 5 * n);
      CHECK(under_mutex == n);
      CHECK(under_rwmutex == n);
      CHECK(readers_in == n);
      CHECK(woken_by_cond == n);
      CHECK(compactions(r) >= static_cast<std::uint64_t>(5 * n));
    }
  }

  TEST_CASE("select: woken by a sender, by a receiver of a large value, and by a timeout") {
    const int n = 40;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0}, by_send{0}, by_recv{0}, by_timeout{0};
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<std::uint64_t> a(0);
            Chan<Big> b(0);
            Chan<int> never(0);
            WaitGroup wg;
            wg.add(std::int64_t{3} * n);
            for (int i = 0; i < 2 * n; ++i) {
              const auto id = static_cast<std::uint64_t>(i);
              go(
                  [&, id] {
                    parked_deep(id, intact, [&] {
                      std::optional<std::uint64_t> va;
                      const int chosen = select(recv_case(a, va), send_case(b, make_big(id)));
                      if (chosen == 0 && va && *va == 7) {
                        by_send.fetch_add(1);
                      } else if (chosen == 1) {
                        by_recv.fetch_add(1);
                      }
                    });
                    wg.done();
                  },
                  kCompact);
            }
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    parked_deep(static_cast<std::uint64_t>(i), intact, [&] {
                      std::optional<int> v;
                      std::optional<Time> t;
                      if (select(recv_case(never, v), recv_case(after(30ms), t)) == 1 && t) {
                        by_timeout.fetch_add(1);
                      }
                    });
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(std::int64_t{2} * n);
            std::vector<bool> seen(std::size_t{2} * static_cast<std::size_t>(n));
            int received = 0;
            for (int i = 0; i < n; ++i) {
              a.send(7);
              const Big v = *b.recv();
              const auto id = static_cast<std::size_t>(v.words[0] / 131);
              if (id < seen.size() && !seen[id] && is_big(v, id)) {
                seen[id] = true;
                ++received;
              }
            }
            wg.wait();
            CHECK(received == n);
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == 3 * n);
      CHECK(by_send.load() == n);
      CHECK(by_recv.load() == n);
      CHECK(by_timeout.load() == n);
    }
  }

  TEST_CASE("sleeping compact goroutines are compacted and wake with their frames") {
    const int n = 100;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> intact{0};
      const RunResult r = run_checked(
          w,
          [&] {
            WaitGroup wg;
            wg.add(n);
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    parked_deep(static_cast<std::uint64_t>(i), intact, [] { sleep_for(20ms); });
                    wg.done();
                  },
                  kCompact);
            }
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == n);
      CHECK(compactions(r) >= static_cast<std::uint64_t>(n));
    }
  }

  TEST_CASE("compacted on one worker, copied back and resumed on another") {
    for (int w : {2, 4, 8}) {
      CAPTURE(w);
      std::atomic<int> intact{0}, migrated{0}, total{0};
      const RunResult r = run_checked(
          w,
          [&] {
            for (int round = 0; round < 50 && migrated.load() == 0; ++round) {
              const int n = 64;
              Chan<int> c(0);
              WaitGroup wg;
              wg.add(n);
              const std::int64_t before = stats().stacks_compacted;
              for (int i = 0; i < n; ++i) {
                go(
                    [&, i] {
                      int parked_on = -1, resumed_on = -1;
                      parked_deep(static_cast<std::uint64_t>(i), intact, [&] {
                        parked_on = worker_index();
                        c.recv();
                        resumed_on = worker_index();
                      });
                      migrated.fetch_add(parked_on != resumed_on ? 1 : 0);
                      total.fetch_add(1);
                      wg.done();
                    },
                    kCompact);
              }
              wait_compacted(before + n);
              for (int i = 0; i < n; ++i) {
                c.send(i);
              }
              wg.wait();
            }
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(intact.load() == total.load());
      CHECK(migrated.load() > 0);
    }
  }

  TEST_CASE("deadlock: compacted goroutines are copied back and unwound, destructors run") {
    const int n = 30;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<int> destroyed{0};
      struct Guard {
        std::atomic<int>* n;
        ~Guard() { n->fetch_add(1); }
      };
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<int> nobody(0);
            Mutex held;
            held.lock();
            for (int i = 0; i < n; ++i) {
              go(
                  [&, i] {
                    Guard g{&destroyed};
                    std::atomic<int> unused{0};
                    if (i % 2 == 0) {
                      parked_deep(static_cast<std::uint64_t>(i), unused, [&] { nobody.recv(); });
                    } else {
                      parked_deep(static_cast<std::uint64_t>(i), unused, [&] { held.lock(); });
                    }
                  },
                  kCompact);
            }
            wait_compacted(n);
            WaitGroup never;
            never.add(1);
            never.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::deadlock);
      CHECK(r.report.find("all goroutines are asleep - deadlock!") == 0);
      CHECK(r.report.find("[chan receive]") != std::string::npos);
      CHECK(r.report.find("[sync.Mutex.Lock]") != std::string::npos);
      CHECK(destroyed.load() == n);
      CHECK(restores(r) >= static_cast<std::uint64_t>(n));
    }
  }

  TEST_CASE("main returns while compact goroutines are compacted: all reclaimed, stacks reused") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<int> nobody(0);
            for (int i = 0; i < 100; ++i) {
              go([&] { nobody.recv(); }, kCompact);
            }
            wait_compacted(100);
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      // The released (and, under ASan, poisoned) stacks serve ordinary goroutines next.
      std::atomic<int> ran{0};
      const RunResult again = run_checked(w, [&] {
        WaitGroup wg;
        wg.add(1000);
        for (int i = 0; i < 1000; ++i) {
          go([&] {
            ran.fetch_add(1);
            wg.done();
          });
        }
        wg.wait();
      });
      CHECK(again.outcome == Outcome::completed);
      CHECK(ran.load() == 1000);
    }
  }

  TEST_CASE("batches: a brief park is never copied; parked goroutines are once work runs out") {
    std::int64_t seen = 0;
    const RunResult pingpong = run_checked(1, [&] {
      Chan<int> ping(0), pong(0);
      WaitGroup wg;
      wg.add(2);
      go(
          [&] {
            for (int i = 0; i < 10'000; ++i) {
              ping.send(i);
              pong.recv();
            }
            wg.done();
          },
          kCompact);
      go(
          [&] {
            for (int i = 0; i < 10'000; ++i) {
              ping.recv();
              pong.send(i);
            }
            wg.done();
          },
          kCompact);
      wg.wait();
    });
    CHECK(pingpong.outcome == Outcome::completed);
    CHECK(compactions(pingpong) == 0);  // the worker never ran out of work, no batch filled
    const RunResult parked = run_checked(1, [&] {
      Chan<int> c(0);
      for (int i = 0; i < 300; ++i) {
        go([&] { c.recv(); }, kCompact);
      }
      seen = wait_compacted(300);  // main sleeps: the worker runs out of work and compacts
      for (int i = 0; i < 300; ++i) {
        c.send(i);
      }
    });
    CHECK(seen == 300);
    CHECK(compactions(parked) == 300);
  }

  TEST_CASE("the default mode is untouched: control block on the stack, never compacted") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      bool default_layout = false, compact_layout = false;
      std::int64_t compacted_while_parked = -1;
      const RunResult r = run_checked(
          w,
          [&] {
            detail::Fiber* me = detail::current_fiber();
            default_layout = me->compact == nullptr && detail::fiber_at_top(me->stack) == me;
            WaitGroup children;  // on main's stack, written by the children: the default contract
            children.add(2);
            go(
                [&] {
                  detail::Fiber* g = detail::current_fiber();
                  const auto* block = reinterpret_cast<std::byte*>(g);
                  compact_layout = g->compact != nullptr &&
                                   (block < g->stack.lo || block >= g->stack.hi) &&
                                   static_cast<void*>(g->compact) ==
                                       static_cast<void*>(&detail::compact_block(g)->state);
                  children.done();
                },
                kCompact);
            Chan<int> c(0);
            WaitGroup parked;
            parked.add(100);
            WaitGroup woken;  // on main's stack too, written by each ordinary goroutine
            woken.add(100);
            for (int i = 0; i < 100; ++i) {
              go([&] {
                parked.done();
                c.recv();
                woken.done();
              });
            }
            parked.wait();
            sleep_for(5ms);  // the workers run out of work: a compact goroutine would compact
            compacted_while_parked = stats().stacks_compacted;
            for (int i = 0; i < 100; ++i) {
              c.send(i);
            }
            children.done();
            children.wait();
            woken.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(default_layout);
      CHECK(compact_layout);
      CHECK(compacted_while_parked == 0);
      CHECK(compactions(r) == 0);
    }
  }

  TEST_CASE("stress: compacted at every park, 100,000 values through channels and select") {
    const int producers = 200, consumers = 100;
    const std::uint64_t per = 500 / kScale;
    const std::uint64_t total = producers * per;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<std::uint64_t> got{0}, sum{0};
      long long locked = 0;
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<std::uint64_t> a(0), b(4);
            Mutex mu;
            WaitGroup produced, consumed;
            produced.add(producers);
            consumed.add(consumers);
            for (int p = 0; p < producers; ++p) {
              go(
                  [&, p] {
                    for (std::uint64_t k = 0; k < per; ++k) {
                      const std::uint64_t v = static_cast<std::uint64_t>(p) * per + k + 1;
                      (k % 2 == 0 ? a : b).send(v);
                      if (k % 64 == 0) {
                        std::lock_guard lock(mu);
                        ++locked;
                      }
                    }
                    produced.done();
                  },
                  kCompact);
            }
            for (int c = 0; c < consumers; ++c) {
              go(
                  [&] {
                    Chan<std::uint64_t> ca = a, cb = b;  // set to nil once closed
                    std::uint64_t n = 0, s = 0;
                    while (!ca.is_nil() || !cb.is_nil()) {
                      std::optional<std::uint64_t> va, vb;
                      const int chosen = select(recv_case(ca, va), recv_case(cb, vb));
                      std::optional<std::uint64_t>& v = chosen == 0 ? va : vb;
                      if (!v) {
                        (chosen == 0 ? ca : cb) = Chan<std::uint64_t>();
                        continue;
                      }
                      ++n;
                      s += *v;
                    }
                    got.fetch_add(n);
                    sum.fetch_add(s);
                    consumed.done();
                  },
                  kCompact);
            }
            produced.wait();
            a.close();
            b.close();
            consumed.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(got.load() == total);
      CHECK(sum.load() == total * (total + 1) / 2);
      CHECK(locked == static_cast<long long>(producers * ((per + 63) / 64)));
      CHECK(compactions(r) > 0);
    }
  }

  TEST_CASE("a closure too large for the inline buffer goes to the heap and is freed") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<std::uint64_t> sum{0};
      const RunResult r = run_checked(
          w,
          [&] {
            Chan<int> c(0);
            WaitGroup wg;
            wg.add(50);
            for (int i = 0; i < 50; ++i) {
              std::array<std::uint64_t, 32> payload{};
              payload.fill(static_cast<std::uint64_t>(i));
              go(
                  [&, payload] {
                    c.recv();
                    sum.fetch_add(payload[31]);
                    wg.done();
                  },
                  kCompact);
            }
            wait_compacted(50);
            for (int i = 0; i < 50; ++i) {
              c.send(i);
            }
            wg.wait();
          },
          every_park_compacts());
      CHECK(r.outcome == Outcome::completed);
      CHECK(sum.load() == 49 * 50 / 2);
    }
  }
}
