// Lesson `deadlock`, beyond Go: a mutex cycle between two goroutines while a third keeps
// running (Go reports a deadlock only when every goroutine is asleep, so it would say nothing),
// found by the runtime the moment the cycle closes; and lock-order checking, as Linux's lockdep,
// which warns about an inversion in a run that did not deadlock.

#include <fmt/format.h>

#include <atomic>
#include <sstream>

#include "lessons/common/lesson.h"
#include "lessons/common/verbatim.h"
#include "lessons/deadlock/deadlock.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::deadlock {

namespace {

// The bystander's lifetime: it stops by itself after this, so the run is bounded even if the
// cycle were never found (the pair would then be reported once everyone is asleep).
constexpr int kBystanderTicks = 1500;
constexpr auto kTick = std::chrono::milliseconds(1);

// "; A is Mutex #7, B is Mutex #8": A is declared first, so its creation line is lower.
std::string lock_names(const rt::LockInfo& x, const rt::LockInfo& y) {
  const bool x_first = x.created.line < y.created.line;
  return fmt::format("; A is {} #{}, B is {} #{}", x.kind, x_first ? x.id : y.id, y.kind,
                     x_first ? y.id : x.id);
}

std::string lock_names(const rt::RunResult& r) {
  if (r.mutex_cycles.empty() || r.mutex_cycles.front().links.size() != 2) {
    return "";
  }
  const auto& links = r.mutex_cycles.front().links;
  return lock_names(links[0].waits_for, links[1].waits_for);
}

struct Partial {
  rt::RunResult result;
  double ms = 0;
  int bystander_ticks = 0;
};

Partial partial_deadlock() {
  Partial p;
  std::atomic<int> ticks{0};
  const auto start = os::monotonic_ns();
  p.result = rt::run([&] {
    rt::Mutex a;  // A and B on lines of their own: the reports tell them apart by line
    rt::Mutex b;
    rt::WaitGroup pair;
    pair.add(2);
    rt::go([&] {  // the bystander: keeps working, so not every goroutine is asleep
      for (int i = 0; i < kBystanderTicks; ++i) {
        rt::sleep_for(kTick);
        ticks.fetch_add(1);
      }
    });
    // Each takes its first lock, then waits until the other holds its own: only then does it
    // reach for the second, so the cycle closes on every run (a yield would not ensure it).
    rt::WaitGroup holding;
    holding.add(2);
    rt::go([&] {
      const rt::LockGuard first(a);
      holding.done();
      holding.wait();
      const rt::LockGuard second(b);
      pair.done();
    });
    rt::go([&] {
      const rt::LockGuard first(b);
      holding.done();
      holding.wait();
      const rt::LockGuard second(a);
      pair.done();
    });
    pair.wait();
  });
  p.ms = static_cast<double>(os::monotonic_ns() - start) * 1e-6;
  p.bystander_ticks = ticks.load();
  return p;
}

rt::RunResult inversion_without_deadlock() {
  rt::Config config;
  config.check_lock_order = true;
  return rt::run(
      [&] {
        rt::Mutex a;
        rt::Mutex b;
        rt::WaitGroup first;
        first.add(1);
        rt::go([&] {  // A then B
          const rt::LockGuard la(a);
          const rt::LockGuard lb(b);
          first.done();
        });
        first.wait();  // the second goroutine starts only after: no deadlock can happen here
        rt::WaitGroup second;
        second.add(1);
        rt::go([&] {  // B then A
          const rt::LockGuard lb(b);
          const rt::LockGuard la(a);
          second.done();
        });
        second.wait();
      },
      config);
}

}  // namespace

void beyond_go(LessonContext& ctx, BeyondGoView& view) {
  ctx.progress("deadlock: beyond Go");
  const auto p = partial_deadlock();
  view.partial_found = p.result.deadlock_kind == rt::DeadlockKind::mutex_cycle;
  view.partial_ms = p.ms;
  ctx.explain(
      "Beyond Go: a partial deadlock",
      fmt::format(
          "Two goroutines lock two Mutexes in opposite orders while a third keeps working "
          "(it ticks every millisecond, {} times). Go reports a deadlock only when every "
          "goroutine is asleep, so it would stay silent while the third runs, and for ever if "
          "the third never stopped. Whenever a goroutine blocks on a Mutex, the runtime "
          "follows the chain: the Mutex, the goroutine holding it, the Mutex that goroutine "
          "waits for, and so on. If the chain comes back to the first goroutine, that is a "
          "wait-for cycle: it reports it at once and ends the run, unwinding every goroutine "
          "so that the lesson goes on. Here: {} after {} ms, the bystander having ticked {} "
          "times{}.\n\n{}",
          kBystanderTicks,
          view.partial_found ? "the cycle was reported" : "no cycle report (the run ended so)",
          report::format_number(p.ms), p.bystander_ticks, lock_names(p.result),
          p.result.mutex_cycles.empty()
              ? indented_verbatim(p.result.report)
              : indented_verbatim(rt::format_mutex_cycle(p.result.mutex_cycles.front()))));
  LessonContext::check_interrupted();
  const auto inv = inversion_without_deadlock();
  view.inversion_warned = !inv.lock_order.empty();
  view.inversion_completed = inv.outcome == rt::Outcome::completed;
  ctx.explain(
      "Beyond Go: lock order checking",
      fmt::format(
          "One goroutine takes A then B and finishes; only then does another take B then A. "
          "This run cannot deadlock ({}), but the same code with other timing would. Like "
          "Linux's lockdep and ThreadSanitizer, the runtime records the order in which locks "
          "are taken (switched on by rt::Config::check_lock_order) and warns about an inversion "
          "before it "
          "bites{}:\n\n{}",
          view.inversion_completed ? "it completed" : "yet it did not complete",
          inv.lock_order.empty() ? std::string()
                                 : lock_names(inv.lock_order.front().a, inv.lock_order.front().b),
          inv.lock_order.empty()
              ? std::string("    (no warning)\n")
              : indented_verbatim(rt::format_lock_order(inv.lock_order.front()))));
  report::Table t{
      "beyond_go", "Beyond Go: what the runtime found", {"case", "found", "ms"}, {}, ""};
  t.rows.push_back({std::string("mutex cycle while another runs"),
                    std::string(view.partial_found ? "yes" : "no"), view.partial_ms});
  t.rows.push_back({std::string("lock order inversion, no deadlock"),
                    std::string(view.inversion_warned ? "yes" : "no"), std::string("")});
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::deadlock
