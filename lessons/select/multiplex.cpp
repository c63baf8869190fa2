// Lesson `select`: what select is for, run live. Three producers merged into one consumer
// (a closed producer's case is disabled by setting its channel to nil, Go's idiom), a timeout
// with after(d), default for a non-blocking try, and a nil channel's case never chosen.

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/select/select.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/select.h"

namespace conc::lessons::select {

namespace {

using std::chrono::milliseconds;
constexpr rt::Config kOneWorker{.workers = 1};
constexpr int kProducers = 3;
constexpr std::size_t kInputCapacity = 16;
constexpr milliseconds kHeadStart{1};  // for the producers to fill their buffers
constexpr std::size_t kShownChoices = 60;
constexpr milliseconds kTimeout{10};

struct Item {
  int producer = 0;
  int seq = 0;
};

struct MergeResult {
  std::array<int, kProducers> received{};
  bool in_order = true;
  int disabled = 0;   // inputs set to nil once closed
  std::string first;  // which producer each of the first values came from
  double ns_per_value = 0;
};

// The consumer is main, on one worker with the producers. It gives them a head start to fill
// their buffers, so that its first selects find all three inputs ready and select's random
// choice decides the order in which their values are merged.
MergeResult merge(int per_producer) {
  MergeResult m;
  rt::run(
      [&m, per_producer] {
        std::array<rt::Chan<Item>, kProducers> inputs;
        for (int p = 0; p < kProducers; ++p) {
          inputs[p] = rt::Chan<Item>(kInputCapacity);
          rt::go([in = inputs[p], p, per_producer] {
            for (int s = 0; s < per_producer; ++s) {
              in.send(Item{p, s});
            }
            in.close();
          });
        }
        rt::sleep_for(kHeadStart);
        const os::Stopwatch clock;
        std::array<int, kProducers> next{};
        for (int open = kProducers; open > 0;) {
          std::array<std::optional<Item>, kProducers> got;
          const int k =
              rt::select(rt::recv_case(inputs[0], got[0]), rt::recv_case(inputs[1], got[1]),
                         rt::recv_case(inputs[2], got[2]));
          if (!got[k]) {     // closed and drained:
            inputs[k] = {};  // a nil channel, so select never picks this case again
            --open;
            ++m.disabled;
            continue;
          }
          m.in_order = m.in_order && got[k]->seq == next[k] && got[k]->producer == k;
          ++next[k];
          ++m.received[k];
          if (m.first.size() < kShownChoices) {
            m.first += static_cast<char>('A' + k);
          }
        }
        m.ns_per_value = static_cast<double>(clock.elapsed_ns()) / (kProducers * per_producer);
      },
      kOneWorker);
  return m;
}

SelectCase timeout_case(LessonContext& ctx) {
  const int repeats = ctx.repeats(5, 3);
  std::vector<double> waited;
  int fired = 0;
  rt::run(
      [&] {
        const rt::Chan<int> silent(0);  // nobody ever sends on it
        for (int i = 0; i < repeats; ++i) {
          std::optional<int> v;
          std::optional<rt::Time> t;
          const os::Stopwatch clock;
          const int k = rt::select(rt::recv_case(silent, v), rt::recv_case(rt::after(kTimeout), t));
          waited.push_back(clock.elapsed_ms());
          fired += k == 1 ? 1 : 0;
        }
      },
      kOneWorker);
  const auto& m =
      ctx.measure("select_timeout_ms", fmt::format("select, after({}ms): waited", kTimeout.count()),
                  "ms", waited,
                  "a select on a channel nobody sends on and on rt::after(d); "
                  "wall time from the select to its return");
  const bool on_time = fired == repeats && m.stats.min >= static_cast<double>(kTimeout.count());
  return {fmt::format("timeout, after({}ms)", kTimeout.count()),
          fmt::format("fires, >= {} ms", kTimeout.count()),
          fmt::format("fired {}/{}, {:.1f} ms", fired, repeats, m.stats.median), on_time};
}

std::vector<SelectCase> default_cases(LessonContext& ctx) {
  int when_empty = -1, when_ready = -1, value = 0;
  std::vector<double> ns;
  const int tries = ctx.size(100'000, 20'000);
  const int repeats = ctx.repeats(5, 3);
  rt::run(
      [&] {
        const rt::Chan<int> c(1);
        std::optional<int> v;
        when_empty = rt::select(rt::recv_case(c, v), rt::default_case());
        c.send(7);
        when_ready = rt::select(rt::recv_case(c, v), rt::default_case());
        value = v.value_or(0);
        for (int r = 0; r < repeats; ++r) {
          const os::Stopwatch clock;
          for (int i = 0; i < tries; ++i) {
            static_cast<void>(rt::select(rt::recv_case(c, v), rt::default_case()));
          }
          ns.push_back(static_cast<double>(clock.elapsed_ns()) / tries);
        }
      },
      kOneWorker);
  ctx.measure("select_default_ns", "select that takes default", "ns", ns,
              fmt::format("{} selects on an empty channel with a default case, one worker; "
                          "time / selects: the price of a non-blocking try",
                          tries));
  return {{"default, nothing ready", "default runs",
           when_empty == 1 ? "default runs" : "blocked or received", when_empty == 1},
          {"default, a value ready", "value received",
           when_ready == 0 ? fmt::format("value {} received", value) : std::string("default ran"),
           when_ready == 0 && value == 7}};
}

SelectCase nil_case(int selects) {
  int nil_chosen = 0;
  rt::run(
      [&] {
        const rt::Chan<int> nil;
        const rt::Chan<int> ready(1);
        for (int i = 0; i < selects; ++i) {
          static_cast<void>(ready.try_send(1));
          std::optional<int> a, b;
          nil_chosen += rt::select(rt::recv_case(nil, a), rt::recv_case(ready, b)) == 0 ? 1 : 0;
        }
      },
      kOneWorker);
  return {"nil case beside a ready", "never chosen",
          fmt::format("chosen {} of {}", nil_chosen, selects), nil_chosen == 0};
}

}  // namespace

std::vector<SelectCase> multiplex_experiment(LessonContext& ctx, int per_producer) {
  const int repeats = ctx.repeats(5, 3);
  const MergeResult m = merge(per_producer);
  int total = 0;
  for (const int r : m.received) {
    total += r;
  }
  bool every_run_exact = m.in_order && total == kProducers * per_producer;
  std::vector<double> ns = {m.ns_per_value};
  for (int i = 1; i < repeats; ++i) {
    LessonContext::check_interrupted();
    const MergeResult again = merge(per_producer);
    int n = 0;
    for (const int r : again.received) {
      n += r;
    }
    every_run_exact = every_run_exact && again.in_order && n == kProducers * per_producer;
    ns.push_back(again.ns_per_value);
  }
  ctx.measure("merge_ns_per_value", "merge of 3 producers, per value", "ns", ns,
              "the consumer's wall time from its first select to the last input closing, "
              "divided by the values; inputs of capacity 16, one worker");
  ctx.explain("Which producer each of the first values came from (A, B, C)",
              "    " + m.first +
                  "\n\nThe producers got a 1 ms head start to fill their buffers, so the first "
                  "selects found all three inputs ready. The consumer blocks in one select on "
                  "all three inputs and takes whichever has a value. When an input is closed, its "
                  "case is disabled by replacing the "
                  "channel with a nil one: a nil channel is never ready, so select never picks "
                  "that case again, and the loop ends when all three are nil.");
  std::vector<SelectCase> cases;
  cases.push_back({fmt::format("merge 3 producers x{}", repeats), "all values, in order",
                   every_run_exact ? "all, in order" : "LOST or DISORDER", every_run_exact});
  cases.push_back({"closed input set to nil", "its case is off",
                   fmt::format("{} off, loop ended", m.disabled), m.disabled == kProducers});
  LessonContext::check_interrupted();
  cases.push_back(timeout_case(ctx));
  LessonContext::check_interrupted();
  for (auto& c : default_cases(ctx)) {
    cases.push_back(std::move(c));
  }
  cases.push_back(nil_case(ctx.size(1000, 200)));
  report::Table t{"select_cases",
                  "What select does, each case run live",
                  {"case", "Go", "this run", "same"},
                  {},
                  ""};
  for (const auto& c : cases) {
    t.rows.push_back({c.name, c.go_says, c.observed, std::string(c.as_go ? "yes" : "NO")});
  }
  t.note = fmt::format(
      "Each of the {} producers sent {} numbered values; 'in order' means each producer's values "
      "arrived in the order it sent them (a channel is first in, first out; select only picks "
      "which channel is next). 'default' is Go's `default:` branch: it runs when no other case "
      "is ready, so the select never waits.",
      kProducers, report::format_count(per_producer));
  ctx.report().add(std::move(t));
  return cases;
}

}  // namespace conc::lessons::select
