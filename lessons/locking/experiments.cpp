// Lesson `locking`: the thread experiments as the lesson shows them. Every cell runs for a
// fixed time (kCellTime, quick kCellTimeQuick), repeated, and the median rate is kept.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "lessons/common/lesson.h"
#include "lessons/locking/locking.h"
#include "report/units.h"

namespace conc::lessons::locking {

namespace {

constexpr double kCellTime = 0.03, kCellTimeQuick = 0.015;  // seconds per cell
constexpr double kInsideNs = 200, kOutsideNs = 600;         // the "real work" part
constexpr std::array kVariants = {
    Variant::mutex,          Variant::spinlock,         Variant::atomic_add,
    Variant::sharded_padded, Variant::sharded_unpadded, Variant::racy};

double median_rate(LessonContext& ctx, Variant v, int threads, const WorkSpec& work = {}) {
  std::vector<double> rates;
  const int reps = ctx.repeats(3, 1);
  for (int r = 0; r < reps; ++r) {
    LessonContext::check_interrupted();
    rates.push_back(run_cell(v, threads, ctx.size(kCellTime, kCellTimeQuick), work).per_second);
  }
  return report::median(rates);
}

using Rates = std::map<std::pair<Variant, int>, double>;

void rates_table(LessonContext& ctx, const std::vector<int>& counts, const Rates& rates) {
  report::Table t{"throughput",
                  "A shared counter: increments per second as threads are added",
                  {"variant", "threads", "M incr/s", "ns per incr", "speed-up"},
                  {},
                  ""};
  for (const auto v : kVariants) {
    const double one = rates.at({v, counts.front()});
    for (const int n : counts) {
      const double r = rates.at({v, n});
      t.rows.push_back({std::string(variant_name(v)), static_cast<std::int64_t>(n), r * 1e-6,
                        r > 0 ? 1e9 / r : 0.0, one > 0 ? r / one : 0.0});
    }
  }
  t.note = fmt::format(
      "Median of {} runs of {} ms per row. ns per incr: wall time per increment of all threads "
      "together (1 / rate). speed-up: the rate against the same variant on {} thread(s). "
      "Sharded: each thread counts in its own slot, summed at the end; padded slots each own a "
      "64-byte cache line, unpadded ones share lines, so every write steals the line from the "
      "other CPUs (false sharing). racy: load then store, loses updates (data-race lesson).",
      ctx.repeats(3, 1), ctx.size(kCellTime, kCellTimeQuick) * 1000, counts.front());
  ctx.report().add(std::move(t));
}

void rates_chart(LessonContext& ctx, int n, const Rates& rates) {
  report::BarChart c{
      "throughput_chart", fmt::format("Increments per second on {} threads", n), "1/s", true, {}};
  for (const auto v : kVariants) {
    const double r = rates.at({v, n});
    c.bars.push_back({variant_name(v), r, fmt::format("{} M/s", report::format_number(r * 1e-6))});
  }
  ctx.report().add(std::move(c));
}

void amdahl_part(LessonContext& ctx, const std::vector<int>& counts) {
  const WorkSpec work{steps_for_ns(kInsideNs), steps_for_ns(kOutsideNs)};
  const WorkSpec inside_only{work.inside_steps, 0};
  const WorkSpec outside_only{0, work.outside_steps};
  // The serial fraction, measured on one thread: time inside the lock over the whole operation.
  const double whole = 1 / median_rate(ctx, Variant::mutex, 1, work);
  const double inside = 1 / median_rate(ctx, Variant::mutex, 1, inside_only);
  const double outside = 1 / median_rate(ctx, Variant::mutex, 1, outside_only);
  const double serial = std::clamp(inside / std::max(inside + outside, 1e-12), 0.0, 1.0);
  report::Table t{"amdahl",
                  fmt::format("Real work: {} inside the mutex, {} outside it, per operation",
                              report::format_ns(inside * 1e9), report::format_ns(outside * 1e9)),
                  {"threads", "ops/s", "speed-up", "Amdahl's limit"},
                  {},
                  ""};
  const double one = median_rate(ctx, Variant::mutex, counts.front(), work);
  for (const int n : counts) {
    const double r = n == counts.front() ? one : median_rate(ctx, Variant::mutex, n, work);
    t.rows.push_back({static_cast<std::int64_t>(n), r, one > 0 ? r / one : 0.0,
                      amdahl(serial, n) / amdahl(serial, counts.front())});
  }
  t.note = fmt::format(
      "Amdahl's law: if a fraction s of the work is serial, n threads can speed it up at most "
      "1 / (s + (1 - s) / n) times, and never more than 1 / s however many threads. Here s = "
      "{} (time inside the lock over inside plus outside, each measured alone on one "
      "thread; the whole operation took {}), so the limit is {}; with {} CPUs the threads cannot "
      "pass {} either.",
      report::format_ratio(serial), report::format_ns(inside * 1e9), report::format_ns(whole * 1e9),
      report::format_ratio(1 / std::max(serial, 1e-9)), ctx.allowed_cpus().size(),
      ctx.allowed_cpus().size());
  ctx.report().add(std::move(t));
}

}  // namespace

void thread_experiments(LessonContext& ctx, const std::vector<int>& counts, ScalingView& view) {
  const int cpus = static_cast<int>(ctx.allowed_cpus().size());
  ctx.explain("This machine",
              fmt::format("This process may use {} CPU(s). On P CPUs no speed-up can pass P: "
                          "threads beyond P only take turns. Here P = {}.",
                          cpus, cpus));
  ctx.progress("locking: the counters");
  Rates rates;
  for (const auto v : kVariants) {
    for (const int n : counts) {
      rates[{v, n}] = median_rate(ctx, v, n);
    }
  }
  rates_table(ctx, counts, rates);
  rates_chart(ctx, counts.back(), rates);
  const int top = counts.back();
  view = {cpus, top, 0, 0};
  const double mutex_one = rates.at({Variant::mutex, counts.front()});
  const double sharded_one = rates.at({Variant::sharded_padded, counts.front()});
  view.locked = mutex_one > 0 ? rates.at({Variant::mutex, top}) / mutex_one : 0;
  view.sharded = sharded_one > 0 ? rates.at({Variant::sharded_padded, top}) / sharded_one : 0;
  ctx.explain("Why the locked counter does not scale",
              "Only one thread at a time may be inside a lock, so the increments are done one "
              "after another however many threads there are; worse, the lock's cache line and "
              "the counter's move from CPU to CPU at every hand-over, and a waiter may sleep "
              "and have to be woken. The atomic add is one instruction but still serialises on "
              "one cache line. Sharded counters share nothing while counting: each CPU works "
              "in its own cache line, and they scale until the CPUs run out.");
}

void real_work_experiment(LessonContext& ctx, const std::vector<int>& counts) {
  ctx.progress("locking: real work in the critical section");
  amdahl_part(ctx, counts);
}

}  // namespace conc::lessons::locking
