// Lesson `data-race`: the same race on goroutines. On one worker the interleaving is forced by
// a yield between the load and the store and shown step by step; on several workers the
// goroutines race like threads, because they are run by threads.

#include <fmt/format.h>

#include <atomic>

#include "lessons/common/lesson.h"
#include "lessons/data_race/data_race.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::data_race {

Interleaving step_by_step(std::int64_t start_value) {
  Interleaving out;
  std::atomic<std::int64_t> counter{start_value};
  rt::Config config;
  config.workers = 1;  // one worker: the goroutines take turns, the steps have one order
  rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(2);
        auto add_one = [&](const char* name) {
          const auto v = counter.load(std::memory_order_relaxed);
          out.steps.push_back(fmt::format("{}. {} reads {}", out.steps.size() + 1, name, v));
          rt::yield();  // the switch between the load and the store
          counter.store(v + 1, std::memory_order_relaxed);
          out.steps.push_back(fmt::format("{}. {} writes {}", out.steps.size() + 1, name, v + 1));
          wg.done();
        };
        rt::go([&] { add_one("A"); });
        rt::go([&] { add_one("B"); });
        wg.wait();
      },
      config);
  out.lost = 2 - (counter.load() - start_value);
  return out;
}

CounterRun goroutine_counter(int goroutines, std::int64_t per_goroutine, int workers) {
  std::atomic<std::int64_t> counter{0};
  std::vector<RacyAdds> each(static_cast<std::size_t>(goroutines));
  rt::Config config;
  config.workers = workers;
  config.stall_threshold = std::chrono::milliseconds(0);  // long loops on purpose
  const auto start = os::monotonic_ns();
  rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(goroutines);
        for (int g = 0; g < goroutines; ++g) {
          rt::go([&, g] {
            each[static_cast<std::size_t>(g)] = racy_adds(counter, per_goroutine);
            wg.done();
          });
        }
        wg.wait();
      },
      config);
  const double seconds = static_cast<double>(os::monotonic_ns() - start) * 1e-9;
  const auto got = counter.load();
  return {goroutines * per_goroutine, got, rollbacks_in(each, got), seconds};
}

namespace {

constexpr int kStepRuns = 10;
constexpr std::int64_t kStepStart = 41;
constexpr std::int64_t kFreeAdds = 2'000'000, kFreeAddsQuick = 300'000;

void step_part(LessonContext& ctx) {
  std::vector<double> lost;
  Interleaving first;
  for (int r = 0; r < kStepRuns; ++r) {
    auto run = step_by_step(kStepStart);
    lost.push_back(static_cast<double>(run.lost));
    if (r == 0) {
      first = std::move(run);
    }
  }
  std::string steps;
  for (const auto& s : first.steps) {
    steps += "    " + s + "\n";
  }
  ctx.explain("The interleaving, step by step (goroutines on one worker)",
              fmt::format("Two goroutines A and B each read the counter, yield (let the other "
                          "run), then write what they read plus one. With one worker thread "
                          "they take turns, and the turns went like this:\n\n{}\nThe counter "
                          "started at {}; two additions should make it {}. Updates lost in this "
                          "run: {}.",
                          steps, kStepStart, kStepStart + 2, first.lost));
  ctx.measure("step_by_step_lost", "updates lost by the step-by-step pair", "", lost,
              fmt::format("{} runs of the two goroutines on a one-worker runtime", kStepRuns));
}

}  // namespace

void goroutine_experiments(LessonContext& ctx) {
  ctx.progress("data-race: goroutines");
  step_part(ctx);
  LessonContext::check_interrupted();
  const int workers = std::max<int>(2, static_cast<int>(ctx.allowed_cpus().size()));
  const auto m = ctx.size(kFreeAdds, kFreeAddsQuick);
  const auto run = goroutine_counter(workers, m, workers);
  ctx.measure("goroutines_free_lost", "updates lost by goroutines on several workers", "",
              {static_cast<double>(run.lost())},
              fmt::format("{} goroutines on {} workers, {} racy additions each", workers, workers,
                          report::format_count(m)));
  ctx.explain("Goroutines on several workers",
              fmt::format("The same racy increment in {} goroutines on {} worker threads lost {} "
                          "of {} updates{}. Goroutines run on threads: when they share memory "
                          "without synchronisation they race exactly like threads. Go's answer "
                          "is to pass values over channels instead of sharing them (C32).",
                          workers, workers, report::format_count(run.lost()),
                          report::format_count(run.expected),
                          run.lost() == 0 ? " (a lucky run: the race did not strike)" : ""));
}

}  // namespace conc::lessons::data_race
