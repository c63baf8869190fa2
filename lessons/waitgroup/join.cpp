// Lesson `waitgroup`: the fork-join run drawn as a timeline (C39), and the misuses: a negative
// counter, add() called inside the goroutine, and a C++ thread nobody joined.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "lessons/common/lesson.h"
#include "lessons/waitgroup/waitgroup.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::waitgroup {

namespace {

constexpr int kWorkers = 2;
constexpr int kTimelineColumns = 60;
// The add-inside-the-goroutine runs: goroutines started per run, and how long main sleeps
// between checks while it waits for them the right way afterwards.
constexpr auto kCheckEvery = std::chrono::microseconds(50);

rt::Config lesson_config() {
  rt::Config config;
  config.workers = kWorkers;
  config.stall_threshold = std::chrono::milliseconds(0);  // the goroutines compute on purpose
  return config;
}

struct JoinTimes {
  std::int64_t t0 = 0, wait_called = 0, wait_returned = 0;
  std::vector<std::int64_t> spawned, started, finished;
  std::vector<int> worker;
  int finished_at_return = 0;
};

std::size_t column(std::int64_t t, const JoinTimes& j) {
  const double span = static_cast<double>(std::max<std::int64_t>(1, j.wait_returned - j.t0));
  const auto c = static_cast<long>(static_cast<double>(t - j.t0) / span * (kTimelineColumns - 1));
  return static_cast<std::size_t>(std::clamp<long>(c, 0, kTimelineColumns - 1));
}

report::Timeline draw(const JoinTimes& j) {
  report::Timeline t;
  t.id = "fork_join";
  t.title = "Fork, work, done, join: one row per goroutine";
  const double span_ms = static_cast<double>(j.wait_returned - j.t0) / 1e6;
  t.bucket_ms = span_ms / kTimelineColumns;
  std::string main_row(kTimelineColumns, ' ');
  std::fill(main_row.begin(), main_row.begin() + static_cast<long>(column(j.wait_called, j)), 'f');
  std::fill(main_row.begin() + static_cast<long>(column(j.wait_called, j)), main_row.end(), 'w');
  main_row.back() = '|';
  t.row_labels.push_back("main (goroutine 1)");
  t.rows.push_back(main_row);
  for (std::size_t i = 0; i < j.spawned.size(); ++i) {
    std::string row(kTimelineColumns, ' ');
    const auto s = column(j.spawned[i], j), r = column(j.started[i], j);
    const auto d = column(j.finished[i], j);
    std::fill(row.begin() + static_cast<long>(s), row.begin() + static_cast<long>(r), '.');
    std::fill(row.begin() + static_cast<long>(r), row.begin() + static_cast<long>(d) + 1, '#');
    row[d] = 'd';
    t.row_labels.push_back(fmt::format("g{} on worker {}", i + 2, j.worker[i]));
    t.rows.push_back(row);
  }
  t.legend = "f add(1)+go  w in wait()  | wait returned  . not yet running  # working  d done()";
  return t;
}

}  // namespace

JoinView join_timeline(LessonContext& ctx, int goroutines, std::uint64_t unit_rounds) {
  JoinTimes j;
  const auto k = static_cast<std::size_t>(goroutines);
  j.spawned.assign(k, 0);
  j.started.assign(k, 0);
  j.finished.assign(k, 0);
  j.worker.assign(k, -1);
  std::atomic<int> finished_count{0};
  rt::run(
      [&] {
        rt::WaitGroup wg;
        j.t0 = os::monotonic_ns();
        for (std::size_t i = 0; i < k; ++i) {
          j.spawned[i] = os::monotonic_ns();
          wg.add(1);  // before go: the counter covers the goroutine before it can run
          rt::go([&, i] {
            j.started[i] = os::monotonic_ns();
            j.worker[i] = rt::worker_index();
            work_units(unit_rounds, static_cast<int>(i) + 1);
            j.finished[i] = os::monotonic_ns();
            finished_count.fetch_add(1, std::memory_order_relaxed);
            wg.done();
          });
        }
        j.wait_called = os::monotonic_ns();
        wg.wait();
        j.wait_returned = os::monotonic_ns();
        j.finished_at_return = finished_count.load(std::memory_order_relaxed);
      },
      lesson_config());
  ctx.report().add(draw(j));
  JoinView v;
  v.goroutines = goroutines;
  v.finished_before_wait_returned = j.finished_at_return;
  const auto last_done = *std::max_element(j.finished.begin(), j.finished.end());
  v.wait_returned_after_last_done =
      j.wait_returned >= last_done && j.finished_at_return == goroutines;
  return v;
}

namespace {

// wg.add(1) inside each goroutine, wg.wait() at once: how many had finished when wait returned.
// Afterwards main waits the right way (polling a counter), so nothing is left running.
std::vector<int> add_inside_runs(int goroutines, std::uint64_t unit_rounds, int runs) {
  std::vector<int> finished_at_wait;
  for (int run = 0; run < runs; ++run) {
    LessonContext::check_interrupted();
    std::atomic<int> finished{0};
    rt::WaitGroup* shared = nullptr;
    rt::run(
        [&] {
          rt::WaitGroup wg;
          shared = &wg;
          for (int i = 0; i < goroutines; ++i) {
            rt::go([&] {
              shared->add(1);  // the mistake: too late, wait() may already have returned
              work_units(unit_rounds, 1);
              finished.fetch_add(1, std::memory_order_relaxed);
              shared->done();
            });
          }
          wg.wait();
          finished_at_wait.push_back(finished.load(std::memory_order_relaxed));
          while (finished.load(std::memory_order_relaxed) < goroutines) {
            rt::sleep_for(kCheckEvery);
          }
          wg.wait();  // the late add()s are all matched by now
        },
        lesson_config());
  }
  return finished_at_wait;
}

}  // namespace

void misuse_experiments(LessonContext& ctx, int goroutines, std::uint64_t unit_rounds, int runs) {
  report::Table t;
  t.id = "misuse";
  t.title = "Misusing a WaitGroup, and a C++ thread nobody joined";
  t.columns = {"what the program did", "what happened in this run"};

  const auto negative = rt::run(
      [] {
        rt::WaitGroup wg;
        wg.add(1);
        wg.done();
        wg.done();  // one done() more than add() counted
      },
      lesson_config());
  t.rows.push_back({std::string("done() once more than add(1)"),
                    negative.outcome == rt::Outcome::panic
                        ? "panic: " + negative.panic_message
                        : std::string("no panic (the counter went below zero unnoticed)")});

  const auto at_wait = add_inside_runs(goroutines, unit_rounds, runs);
  const auto early =
      std::count_if(at_wait.begin(), at_wait.end(), [&](int f) { return f < goroutines; });
  const auto [lo, hi] = std::minmax_element(at_wait.begin(), at_wait.end());
  t.rows.push_back({std::string("add(1) inside each goroutine"),
                    fmt::format("wait() returned early in {} of {} runs ({}-{} of {} done)", early,
                                at_wait.size(), at_wait.empty() ? 0 : *lo,
                                at_wait.empty() ? 0 : *hi, goroutines)});

  const auto terminate = run_joinable_thread_child();
  t.rows.push_back(
      {std::string("C++: std::thread still joinable"), fmt::format("child {}", terminate.ended)});
  t.note = fmt::format(
      "The C++ child's last words on stderr: \"{}\". Go prints \"panic: sync: negative "
      "WaitGroup counter\" for the first case.",
      terminate.stderr_text.empty() ? "(nothing)" : terminate.stderr_text);
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::waitgroup
