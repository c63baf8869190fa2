// Lesson `sync`: Cond as a bounded producer-consumer queue, and Once with thousands of
// goroutines calling it at the same time, joined by a WaitGroup.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/sync/sync.h"
#include "os/sys/clock.h"
#include "report/stats.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::sync {

namespace {

constexpr std::size_t kQueueCapacity = 8;
constexpr int kProducers = 2;
constexpr int kConsumers = 2;
constexpr std::chrono::milliseconds kSlowInit{1};  // long enough for callers to pile up
constexpr int kFastCalls = 100'000;                // Once.call and WaitGroup on their fast path

// The textbook bounded buffer: two conditions on one mutex. put() waits while full, take()
// while empty; each wakes the other side after changing the queue.
class BoundedQueue {
 public:
  void put(std::uint64_t v) {
    mu_.lock();
    while (items_.size() == kQueueCapacity) {
      not_full_.wait();
    }
    items_.push_back(v);
    max_seen_ = std::max(max_seen_, items_.size());
    not_empty_.signal();
    mu_.unlock();
  }
  std::optional<std::uint64_t> take() {
    mu_.lock();
    while (items_.empty() && !closed_) {
      not_empty_.wait();
    }
    std::optional<std::uint64_t> v;
    if (!items_.empty()) {
      v = items_.front();
      items_.pop_front();
      not_full_.signal();
    }
    mu_.unlock();
    return v;
  }
  void close() {
    mu_.lock();
    closed_ = true;
    not_empty_.broadcast();
    mu_.unlock();
  }
  std::size_t max_seen() {
    mu_.lock();
    const std::size_t m = max_seen_;
    mu_.unlock();
    return m;
  }

 private:
  rt::Mutex mu_;
  rt::Cond not_full_{mu_};
  rt::Cond not_empty_{mu_};
  std::deque<std::uint64_t> items_;  // guarded by mu_
  std::size_t max_seen_ = 0;
  bool closed_ = false;
};

struct QueueRun {
  std::uint64_t sum = 0, taken = 0;
  std::size_t max_seen = 0;
  double ns_per_item = 0;
};

QueueRun run_queue(int items) {
  QueueRun out;
  rt::run([&out, items] {
    BoundedQueue q;
    rt::WaitGroup producers, consumers;
    rt::Mutex totals_mu;
    const os::Stopwatch clock;
    producers.add(kProducers);
    for (int p = 0; p < kProducers; ++p) {
      rt::go([&, p, items] {
        for (int i = p + 1; i <= items; i += kProducers) {  // 1..items, split between them
          q.put(static_cast<std::uint64_t>(i));
        }
        producers.done();
      });
    }
    consumers.add(kConsumers);
    for (int c = 0; c < kConsumers; ++c) {
      rt::go([&] {
        std::uint64_t sum = 0, taken = 0;
        while (const auto v = q.take()) {
          sum += *v;
          ++taken;
        }
        totals_mu.lock();
        out.sum += sum;
        out.taken += taken;
        totals_mu.unlock();
        consumers.done();
      });
    }
    producers.wait();
    q.close();
    consumers.wait();
    out.ns_per_item = static_cast<double>(clock.elapsed_ns()) / items;
    out.max_seen = q.max_seen();
  });
  return out;
}

struct OnceRun {
  int inits = 0, saw_value = 0, finished_at_wait = 0;
  double once_fast_ns = 0, waitgroup_ns = 0;
};

OnceRun run_once(int goroutines) {
  OnceRun out;
  rt::run([&out, goroutines] {
    rt::Once once;
    rt::WaitGroup wg;
    int value = 0;  // written once, inside once.call
    int inits = 0;  // likewise
    std::atomic<int> saw{0}, finished{0};
    wg.add(goroutines);
    for (int g = 0; g < goroutines; ++g) {
      rt::go([&] {
        once.call([&] {
          rt::sleep_for(kSlowInit);  // the others arrive meanwhile and must wait
          value = 42;
          ++inits;
        });
        if (value == 42) {  // Once guarantees the initialisation is visible here
          saw.fetch_add(1, std::memory_order_relaxed);
        }
        finished.fetch_add(1, std::memory_order_relaxed);
        wg.done();
      });
    }
    wg.wait();
    out.finished_at_wait = finished.load(std::memory_order_relaxed);
    out.inits = inits;
    out.saw_value = saw.load(std::memory_order_relaxed);
    os::Stopwatch clock;
    for (int i = 0; i < kFastCalls; ++i) {
      once.call([&] { ++inits; });
    }
    out.once_fast_ns = static_cast<double>(clock.elapsed_ns()) / kFastCalls;
    out.inits = inits;  // still 1: the calls after the first never run their function
    clock.restart();
    for (int i = 0; i < kFastCalls; ++i) {
      wg.add(1);
      wg.done();
    }
    out.waitgroup_ns = static_cast<double>(clock.elapsed_ns()) / kFastCalls;
  });
  return out;
}

}  // namespace

Guarantee cond_queue_experiment(LessonContext& ctx, int items) {
  const int repeats = ctx.repeats(5, 3);
  const std::uint64_t n = static_cast<std::uint64_t>(items);
  const std::uint64_t expected = n * (n + 1) / 2;
  std::vector<double> ns;
  int exact = 0;
  std::size_t max_seen = 0;
  for (int i = 0; i < repeats; ++i) {
    LessonContext::check_interrupted();
    const QueueRun q = run_queue(items);
    exact += q.sum == expected && q.taken == n && q.max_seen <= kQueueCapacity ? 1 : 0;
    max_seen = std::max(max_seen, q.max_seen);
    ns.push_back(q.ns_per_item);
  }
  const auto& m = ctx.measure(
      "cond_queue_ns_per_item", "Cond queue: time per item", "ns", ns,
      fmt::format("{} producers put 1..{} into a queue of {} slots guarded by a Mutex and two "
                  "Conds, {} consumers take them; wall time / items, every worker",
                  kProducers, report::format_count(items), kQueueCapacity, kConsumers));
  return {"Cond",
          "sleep until signalled",
          fmt::format("{}/{} exact, max {} of {}", exact, repeats, max_seen, kQueueCapacity),
          exact == repeats,
          m.stats.median,
          "item"};
}

std::pair<Guarantee, Guarantee> once_experiment(LessonContext& ctx, int goroutines) {
  const int repeats = ctx.repeats(3, 2);
  std::vector<double> once_ns, wg_ns;
  int inits_max = 0, saw_min = goroutines, finished_min = goroutines;
  bool once_held = true;
  for (int i = 0; i < repeats; ++i) {
    LessonContext::check_interrupted();
    const OnceRun o = run_once(goroutines);
    once_held = once_held && o.inits == 1 && o.saw_value == goroutines;
    inits_max = std::max(inits_max, o.inits);
    saw_min = std::min(saw_min, o.saw_value);
    finished_min = std::min(finished_min, o.finished_at_wait);
    once_ns.push_back(o.once_fast_ns);
    wg_ns.push_back(o.waitgroup_ns);
  }
  const auto& once =
      ctx.measure("once_call_after_done_ns", "Once.call once done", "ns", once_ns,
                  fmt::format("{} calls after the initialisation, in one goroutine; time / calls",
                              report::format_count(kFastCalls)));
  const auto& wg = ctx.measure(
      "waitgroup_add_done_ns", "WaitGroup add(1) + done()", "ns", wg_ns,
      fmt::format("{} pairs in one goroutine; time / pairs", report::format_count(kFastCalls)));
  ctx.explain(
      "Once and WaitGroup with many goroutines",
      fmt::format(
          "{} goroutines called once.call(init) at the same time; init slept {} ms, so the "
          "others arrived while it ran and had to wait for it. In each of {} runs init ran "
          "{} time(s) at most, and at least {} goroutines saw the value it set. A WaitGroup "
          "joined them: each finished goroutine counted itself before done(), and when wait() "
          "returned at least {} had counted.",
          report::format_count(goroutines), kSlowInit.count(), repeats, inits_max,
          report::format_count(saw_min), report::format_count(finished_min)));
  Guarantee g_once{"Once",
                   "runs once, all see it",
                   fmt::format("{} init, {} saw it", inits_max, report::format_count(saw_min)),
                   once_held,
                   once.stats.median,
                   "call"};
  Guarantee g_wg{"WaitGroup",
                 "wait ends when all done",
                 fmt::format("{} of {} done", report::format_count(finished_min),
                             report::format_count(goroutines)),
                 finished_min == goroutines,
                 wg.stats.median,
                 "add+done"};
  return {g_once, g_wg};
}

}  // namespace conc::lessons::sync
