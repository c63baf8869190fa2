// Lesson `sync`: C27 as a definition check. One small program uses each of Go's four tools
// once, for a job whose result shows whether it worked: goroutines compute, a channel carries
// their results, a select collects them with a deadline, a Mutex and a WaitGroup guard and
// join them.

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/sync/sync.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/select.h"
#include "runtime/sync.h"

namespace conc::lessons::sync {

namespace {
constexpr int kWorkers = 4;
constexpr std::chrono::seconds kDeadline{2};
}  // namespace

std::vector<ToolUse> toolset_check(LessonContext& /*ctx*/) {
  int ran = 0, received = 0, guarded = 0, timeouts = 0;
  std::uint64_t spawned = 0;
  bool joined = false;
  const rt::RunResult r = rt::run([&] {
    const rt::Chan<int> results(0);
    rt::Mutex mu;
    rt::WaitGroup wg;
    wg.add(kWorkers);
    for (int g = 0; g < kWorkers; ++g) {
      rt::go([&, g] {
        mu.lock();
        ++guarded;
        mu.unlock();
        results.send(g * g);
        wg.done();
      });
    }
    const auto deadline = rt::after(kDeadline);
    for (int i = 0; i < kWorkers; ++i) {
      std::optional<int> v;
      std::optional<rt::Time> t;
      if (rt::select(rt::recv_case(results, v), rt::recv_case(deadline, t)) == 0 && v) {
        ++received;
        ran += *v >= 0 ? 1 : 0;
      } else {
        ++timeouts;
      }
    }
    wg.wait();
    joined = true;
  });
  spawned = r.goroutines_spawned;
  const bool ok = r.outcome == rt::Outcome::completed;
  return {
      {"goroutines", spawned > 0, ok && ran == kWorkers,
       fmt::format("{} goroutines spawned, {} of {} did their work", spawned, ran, kWorkers)},
      {"channels", true, ok && received == kWorkers,
       fmt::format("{} of {} results received over an unbuffered channel", received, kWorkers)},
      {"select", true, ok && timeouts == 0,
       fmt::format("{} selects, results vs a {} s deadline, {} late", kWorkers, kDeadline.count(),
                   timeouts)},
      {"sync", true, ok && guarded == kWorkers && joined,
       fmt::format("Mutex-guarded count {} of {}, WaitGroup {}", guarded, kWorkers,
                   joined ? "joined them" : "did not return")},
  };
}

}  // namespace conc::lessons::sync
