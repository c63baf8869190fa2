// Lesson `deadlock`: the thread experiments. Two threads, two locks, opposite orders, with a
// barrier after each thread's first lock so the bad interleaving is certain; the three fixes;
// dining philosophers naive and ordered. Every run is watched (waits_for.cpp): none can hang.

#include <fmt/format.h>

#include <array>
#include <barrier>
#include <thread>

#include "lessons/common/lesson.h"
#include "lessons/deadlock/deadlock.h"
#include "os/sys/clock.h"
#include "report/units.h"

namespace conc::lessons::deadlock {

namespace {

constexpr int kA = 0, kB = 1;
constexpr int kRounds = 20'000, kRoundsQuick = 2'000;
constexpr auto kFixTime = std::chrono::milliseconds(800);
constexpr auto kFixTimeQuick = std::chrono::milliseconds(250);
constexpr auto kMealsTime = std::chrono::milliseconds(400);
constexpr auto kMealsTimeQuick = std::chrono::milliseconds(120);
const std::vector<std::string> kThreadNames = {"thread 1", "thread 2"};
const std::vector<std::string> kLockNames = {"A", "B"};

// A short critical section: a few hundred ns of arithmetic, so the threads overlap.
void work() {
  volatile std::uint64_t x = 0;
  for (int i = 0; i < 100; ++i) {
    x = x + static_cast<std::uint64_t>(i);
  }
}

Watch opposite_orders(std::chrono::milliseconds bound) {
  std::barrier sync(2);
  return run_watched(2, 2, bound, [&](int t, WatchedLocks& locks) {
    const int first = t == 0 ? kA : kB;
    const int second = t == 0 ? kB : kA;
    locks.acquire(t, first);
    sync.arrive_and_wait();  // both now hold their first lock: the cycle is certain
    if (locks.acquire(t, second)) {
      work();
    }
  });
}

struct FixRun {
  std::string name;
  Watch watch;
  std::int64_t retries = 0;
  std::atomic<std::int64_t> rounds_done{0};  // both threads together
};

// A fix runs `rounds` rounds per thread, or until its time is up on a loaded machine (a yield
// there may wait for a whole queue of other tasks): a fix is judged by ending without a cycle.
struct Quota {
  int rounds = 0;
  std::int64_t stop_ns = 0;
  bool more(int r) const { return r < rounds && os::monotonic_ns() < stop_ns; }
};

void global_order(const Quota& q, std::chrono::milliseconds bound, FixRun& f) {
  f.name = "one global order (A before B)";
  f.watch = run_watched(2, 2, bound, [&](int t, WatchedLocks& locks) {
    for (int r = 0; q.more(r) && locks.acquire(t, kA); ++r) {
      if (!locks.acquire(t, kB)) {
        return;
      }
      work();
      f.rounds_done.fetch_add(1);
      locks.release(t, kB);
      locks.release(t, kA);
    }
  });
}

void both_at_once(const Quota& q, std::chrono::milliseconds bound, FixRun& f) {
  f.name = "std::scoped_lock (both at once)";
  f.watch = run_watched(2, 2, bound, [&](int t, WatchedLocks& locks) {
    for (int r = 0; q.more(r) && !locks.giving_up(); ++r) {
      locks.acquire_both(t, t == 0 ? kA : kB, t == 0 ? kB : kA);
      work();
      f.rounds_done.fetch_add(1);
      locks.release_all(t);
    }
  });
}

void back_off(const Quota& q, std::chrono::milliseconds bound, FixRun& f) {
  f.name = "try_lock, back off, retry";
  std::atomic<std::int64_t> retries{0};
  f.watch = run_watched(2, 2, bound, [&](int t, WatchedLocks& locks) {
    const int first = t == 0 ? kA : kB;
    const int second = t == 0 ? kB : kA;
    for (int r = 0; q.more(r);) {
      if (!locks.acquire(t, first)) {
        return;
      }
      if (locks.try_acquire(t, second)) {
        work();
        f.rounds_done.fetch_add(1);
        locks.release_all(t);
        ++r;
        continue;
      }
      locks.release(t, first);  // back off: drop what we hold, let the other go first
      retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::yield();
    }
  });
  f.retries = retries.load();
}

void fixes_part(LessonContext& ctx, std::chrono::milliseconds bound, DeadlockView& view) {
  const int rounds = ctx.size(kRounds, kRoundsQuick);
  const auto time = ctx.size(kFixTime, kFixTimeQuick);
  std::array<FixRun, 3> fixes;
  global_order({rounds, os::monotonic_ns() + time.count() * 1'000'000}, bound, fixes[0]);
  both_at_once({rounds, os::monotonic_ns() + time.count() * 1'000'000}, bound, fixes[1]);
  back_off({rounds, os::monotonic_ns() + time.count() * 1'000'000}, bound, fixes[2]);
  report::Table t{"fixes",
                  fmt::format("The fixes: each thread takes both locks {} times (or for {} ms)",
                              report::format_count(rounds), time.count()),
                  {"fix", "completed", "rounds", "time (ms)", "retries"},
                  {},
                  ""};
  for (const auto& f : fixes) {
    ++view.fixes_run;
    view.fixes_completed += f.watch.completed && f.watch.cycle.empty() ? 1 : 0;
    t.rows.push_back({f.name, std::string(f.watch.completed ? "yes" : "NO"), f.rounds_done.load(),
                      f.watch.end_ms, f.retries});
  }
  t.note =
      "One global order breaks the circular wait: whoever holds A may wait for B, never the "
      "reverse. scoped_lock takes both or neither. try_lock with back-off never waits while "
      "holding, but two threads can keep backing off in step and retry forever without either "
      "progressing (livelock): the retries column is that risk, measured.";
  ctx.report().add(std::move(t));
}

// Philosopher i's forks: left i, right (i + 1) mod n.
Watch philosophers(int n, bool ordered, std::chrono::milliseconds duration,
                   std::chrono::milliseconds bound, std::vector<std::int64_t>& meals) {
  meals.assign(static_cast<std::size_t>(n), 0);
  std::barrier sync(n);
  const auto stop_at = os::monotonic_ns() + duration.count() * 1'000'000;
  return run_watched(n, n, bound, [&](int p, WatchedLocks& forks) {
    const int left = p, right = (p + 1) % n;
    const int first = ordered ? std::min(left, right) : left;
    const int second = ordered ? std::max(left, right) : right;
    bool first_meal = true;
    while (os::monotonic_ns() < stop_at && forks.acquire(p, first)) {
      if (first_meal && !ordered) {
        sync.arrive_and_wait();  // everyone holds a left fork: the naive table is stuck
      }
      first_meal = false;
      if (!forks.acquire(p, second)) {
        return;
      }
      work();
      ++meals[static_cast<std::size_t>(p)];
      forks.release(p, second);
      forks.release(p, first);
    }
  });
}

void philosophers_part(LessonContext& ctx, int n, std::chrono::milliseconds bound,
                       DeadlockView& view) {
  std::vector<std::string> names, forks;
  for (int i = 0; i < n; ++i) {
    names.push_back(fmt::format("philosopher {}", i + 1));
    forks.push_back(fmt::format("fork {}", i + 1));
  }
  std::vector<std::int64_t> meals;
  const auto naive = philosophers(n, false, ctx.size(kMealsTime, kMealsTimeQuick), bound, meals);
  view.philosophers_naive_deadlocked = !naive.cycle.empty();
  ctx.explain(
      "Dining philosophers",
      fmt::format(
          "{} philosophers sit at a round table with one fork between each pair; eating takes "
          "the two forks beside you. Naive: everyone takes the left fork, then the right. {}\n\n"
          "Ordered: number the forks and always take the lower-numbered one first. The last "
          "philosopher then reaches for the same first fork as the first one, so one of them "
          "waits with empty hands and the circle cannot close.",
          n,
          naive.cycle.empty()
              ? std::string("This run did not get stuck.")
              : fmt::format("Everyone got a left fork and waits for the right one, held by the "
                            "neighbour: a cycle of {} found after {} ms: {}.",
                            naive.cycle.size(), report::format_number(naive.detect_ms),
                            describe_cycle(naive, names, forks))));
  const auto ordered = philosophers(n, true, ctx.size(kMealsTime, kMealsTimeQuick), bound, meals);
  view.philosophers_ordered_completed = ordered.completed && ordered.cycle.empty();
  report::Table t{"meals", "Ordered philosophers: meals each", {"philosopher", "meals"}, {}, ""};
  for (int i = 0; i < n; ++i) {
    t.rows.push_back({names[static_cast<std::size_t>(i)], meals[static_cast<std::size_t>(i)]});
  }
  t.note =
      "Equal counts mean a fair table; a philosopher far below the others starved (its "
      "neighbours kept winning the forks). Locks promise no fairness.";
  ctx.report().add(std::move(t));
}

}  // namespace

void opposite_orders_experiment(LessonContext& ctx, std::chrono::milliseconds bound,
                                DeadlockView& view) {
  ctx.progress("deadlock: two threads, two locks, opposite orders");
  const auto w = opposite_orders(bound);
  view.opposite_deadlocked = !w.cycle.empty();
  view.cycle_length = w.cycle.size();
  view.end_ms = w.end_ms;
  view.bound_ms = static_cast<double>(bound.count());
  ctx.explain(
      "Two threads, two locks, opposite orders",
      fmt::format(
          "Thread 1 locks A then B; thread 2 locks B then A. A barrier after each thread's "
          "first lock makes them both hold one lock before reaching for the other (without "
          "it the demo deadlocks only sometimes). Each lock records who holds it and who "
          "waits for it, and a watchdog follows 'waits for a lock held by' from thread to "
          "thread.\n\n{}",
          w.cycle.empty()
              ? fmt::format("No cycle was seen: the threads {} in {} ms.",
                            w.completed ? "finished" : "were stopped at the bound",
                            report::format_number(w.end_ms))
              : fmt::format("Wait-for cycle found after {} ms: {}. The threads were told to "
                            "give up; both had released their locks and exited {} ms after "
                            "the start (bound: {} ms).",
                            report::format_number(w.detect_ms),
                            describe_cycle(w, kThreadNames, kLockNames),
                            report::format_number(w.end_ms), bound.count())));
  ctx.measure("deadlock_recovered_ms", "two-lock deadlock: start to all threads gone", "ms",
              {w.end_ms},
              fmt::format("watchdog polls every few ms; a cycle unchanged for {} ms with no "
                          "lock taken is a deadlock",
                          kConfirm.count()));
  ctx.explain("The four conditions (Coffman), all present here",
              "Mutual exclusion: a lock has one holder at a time. Hold and wait: each thread "
              "keeps its first lock while waiting for the second. No preemption: nothing takes "
              "A away from thread 1. Circular wait: thread 1 waits for thread 2, which waits "
              "for thread 1. Remove any one and there is no deadlock; the fixes below each "
              "remove one (the order and scoped_lock: circular wait; back-off: hold and wait).");
}

void fixes_experiment(LessonContext& ctx, std::chrono::milliseconds bound, DeadlockView& view) {
  ctx.progress("deadlock: the fixes");
  view.fixes_run = 0;  // counted afresh when --step runs the part again
  view.fixes_completed = 0;
  fixes_part(ctx, bound, view);
}

void philosophers_experiment(LessonContext& ctx, std::chrono::milliseconds bound, int n,
                             DeadlockView& view) {
  ctx.progress("deadlock: dining philosophers");
  philosophers_part(ctx, n, bound, view);
}

}  // namespace conc::lessons::deadlock
