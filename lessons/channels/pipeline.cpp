// Lesson `channels`: the pipeline generate -> square -> sum at four capacities, and an
// unbuffered ping-pong. Both run on one worker (GOMAXPROCS=1): every hand-off is then a
// switch between goroutines in user space, never a wake-up of another OS thread, so the
// figures are the channel's own cost and buffering's effect on it.

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "lessons/channels/channels.h"
#include "lessons/common/lesson.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"

namespace conc::lessons::channels {

namespace {

constexpr std::array<std::size_t, 4> kCapacities = {0, 1, 64, 1024};
constexpr rt::Config kOneWorker{.workers = 1};

struct PipelineSample {
  std::uint64_t sum = 0;
  double ns_per_item = 0;
  double switches_per_item = 0;
  bool completed = false;
};

// generate and square are goroutines that share nothing but the channels they were handed;
// main is the sum stage. Only main writes `out`, after the last value arrived.
PipelineSample run_pipeline(std::uint64_t items, std::size_t capacity) {
  PipelineSample out;
  const rt::RunResult r = rt::run(
      [&out, items, capacity] {
        const os::Stopwatch clock;
        const rt::Chan<std::uint64_t> numbers(capacity);
        const rt::Chan<std::uint64_t> squares(capacity);
        rt::go([numbers, items] {
          for (std::uint64_t i = 1; i <= items; ++i) {
            numbers.send(i);
          }
          numbers.close();
        });
        rt::go([numbers, squares] {
          while (const auto v = numbers.recv()) {
            squares.send(*v * *v);
          }
          squares.close();
        });
        std::uint64_t sum = 0;
        while (const auto sq = squares.recv()) {
          sum += *sq;
        }
        out.sum = sum;
        out.ns_per_item = static_cast<double>(clock.elapsed_ns()) / static_cast<double>(items);
      },
      kOneWorker);
  out.completed = r.outcome == rt::Outcome::completed;
  std::uint64_t switches = 0;
  for (const auto& w : r.workers) {
    switches += w.switches;
  }
  out.switches_per_item = static_cast<double>(switches) / static_cast<double>(items);
  return out;
}

std::string capacity_text(std::size_t c) {
  return c == 0 ? std::string("0 (unbuffered)") : fmt::format("{}", c);
}

}  // namespace

std::vector<PipelineRun> pipeline_experiment(LessonContext& ctx, std::uint64_t items) {
  const int repeats = ctx.repeats(5, 3);
  const std::uint64_t expected = sum_of_squares(items);
  ctx.progress(fmt::format("pipeline: {} items x {} runs x {} capacities", items, repeats,
                           kCapacities.size()));
  std::vector<PipelineRun> runs;
  report::Table table{"pipeline",
                      fmt::format("generate -> square -> sum over 1..{}: {} runs per capacity",
                                  report::format_count(static_cast<std::int64_t>(items)), repeats),
                      {"capacity", "per item", "items/s", "switches/item", "exact runs"},
                      {},
                      ""};
  for (const std::size_t capacity : kCapacities) {
    LessonContext::check_interrupted();
    run_pipeline(items / 10 + 1, capacity);  // warm-up: stacks, caches, the CPU's clock
    PipelineRun run{capacity, 0, 0};
    std::vector<double> ns, switches;
    for (int i = 0; i < repeats; ++i) {
      LessonContext::check_interrupted();
      const PipelineSample s = run_pipeline(items, capacity);
      ++run.runs;
      run.exact_runs += s.completed && s.sum == expected ? 1 : 0;
      ns.push_back(s.ns_per_item);
      switches.push_back(s.switches_per_item);
    }
    const auto& m = ctx.measure(
        fmt::format("pipeline_ns_per_item_cap{}", capacity),
        fmt::format("pipeline, per item, capacity {}", capacity), "ns", ns,
        "wall time of one whole run (spawn to the last sum) divided by the items; one worker");
    const double switches_median = report::median(switches);
    table.rows.push_back({capacity_text(capacity), report::format_ns(m.stats.median),
                          report::format_number(1e9 / m.stats.median),
                          fmt::format("{:.2f}", switches_median),
                          fmt::format("{} of {}", run.exact_runs, run.runs)});
    runs.push_back(run);
  }
  table.note = fmt::format(
      "Every run must end with the sum of squares 1..{} = {}. 'switches/item' is the runtime's "
      "own count of goroutine switches divided by the items. Unbuffered, each value is a "
      "rendezvous: the sender waits until the receiver takes it, so every item costs switches "
      "between the three goroutines. With a buffer, a stage runs ahead until the buffer is "
      "full, and one switch carries a whole bufferful: fewer switches, less time per item.",
      items, expected);
  ctx.report().add(std::move(table));
  return runs;
}

void ping_pong_experiment(LessonContext& ctx) {
  const int repeats = ctx.repeats(7, 3);
  const int round_trips = ctx.size(20'000, 5'000);
  std::vector<double> samples;
  for (int i = -1; i < repeats; ++i) {  // i == -1: the warm-up, not kept
    LessonContext::check_interrupted();
    double ns = 0;
    rt::run(
        [&ns, round_trips] {
          const rt::Chan<int> ping(0);
          const rt::Chan<int> pong(0);
          rt::go([ping, pong] {
            while (const auto v = ping.recv()) {
              pong.send(*v);
            }
          });
          const os::Stopwatch clock;
          for (int k = 0; k < round_trips; ++k) {
            ping.send(k);
            static_cast<void>(pong.recv());
          }
          ns = static_cast<double>(clock.elapsed_ns()) / (2.0 * round_trips);
          ping.close();
        },
        kOneWorker);
    if (i >= 0) {
      samples.push_back(ns);
    }
  }
  ctx.measure("unbuffered_handoff_ns", "unbuffered channel: one hand-off", "ns", samples,
              fmt::format("{} round trips main -> partner -> main over two unbuffered channels, "
                          "one worker; time / (2 x round trips), after one warm-up run",
                          round_trips));
}

}  // namespace conc::lessons::channels
