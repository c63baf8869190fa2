// Lesson `locking`: the goroutine version. The runtime's Mutex guarding a counter, against a
// counter owned by one goroutine that the others send to ("share memory by communicating").

#include <fmt/format.h>

#include <mutex>

#include "lessons/common/lesson.h"
#include "lessons/locking/locking.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::locking {

namespace {

constexpr std::int64_t kAdds = 200'000, kAddsQuick = 40'000;
constexpr std::size_t kChanCapacity = 128;

struct GoRun {
  std::int64_t expected = 0, got = 0;
  double seconds = 0;
};

GoRun with_mutex(int goroutines, std::int64_t adds, int workers) {
  GoRun g{goroutines * adds, 0, 0};
  rt::Config config;
  config.workers = workers;
  const auto start = os::monotonic_ns();
  rt::run(
      [&] {
        rt::Mutex lock;
        rt::WaitGroup wg;
        wg.add(goroutines);
        for (int i = 0; i < goroutines; ++i) {
          rt::go([&] {
            for (std::int64_t k = 0; k < adds; ++k) {
              const std::lock_guard guard(lock);
              ++g.got;
            }
            wg.done();
          });
        }
        wg.wait();
      },
      config);
  g.seconds = static_cast<double>(os::monotonic_ns() - start) * 1e-9;
  return g;
}

GoRun with_owner(int goroutines, std::int64_t adds, int workers) {
  GoRun g{goroutines * adds, 0, 0};
  rt::Config config;
  config.workers = workers;
  const auto start = os::monotonic_ns();
  rt::run(
      [&] {
        rt::Chan<int> adds_chan(kChanCapacity);
        rt::Chan<std::int64_t> result(0);
        rt::go([&] {  // the owner: the only goroutine that touches the count
          std::int64_t count = 0;
          while (const auto one = adds_chan.recv()) {
            count += *one;
          }
          result.send(count);
        });
        rt::WaitGroup wg;
        wg.add(goroutines);
        for (int i = 0; i < goroutines; ++i) {
          rt::go([&] {
            for (std::int64_t k = 0; k < adds; ++k) {
              adds_chan.send(1);
            }
            wg.done();
          });
        }
        wg.wait();
        adds_chan.close();
        g.got = result.recv().value_or(-1);
      },
      config);
  g.seconds = static_cast<double>(os::monotonic_ns() - start) * 1e-9;
  return g;
}

}  // namespace

void goroutine_experiments(LessonContext& ctx) {
  ctx.progress("locking: goroutines");
  const int workers = std::max<int>(1, static_cast<int>(ctx.allowed_cpus().size()));
  const int goroutines = std::max(2, workers * 2);
  const auto adds = ctx.size(kAdds, kAddsQuick);
  report::Table t{"goroutines",
                  fmt::format("{} goroutines on {} workers, {} additions each", goroutines, workers,
                              report::format_count(adds)),
                  {"way", "exact", "M adds/s", "ns per add"},
                  {},
                  ""};
  for (const auto& [name, fn] : {std::pair{"rt::Mutex around the counter", &with_mutex},
                                 std::pair{"one owner, others send to it", &with_owner}}) {
    LessonContext::check_interrupted();
    const auto r = fn(goroutines, adds, workers);
    const double rate = r.seconds > 0 ? static_cast<double>(r.expected) / r.seconds : 0;
    t.rows.push_back({std::string(name), std::string(r.got == r.expected ? "yes" : "NO"),
                      rate * 1e-6, rate > 0 ? 1e9 / rate : 0.0});
  }
  t.note =
      "Both are exact. With the owner no memory is shared: the count lives in one goroutine "
      "and the others send it messages over a buffered channel (Go's \"share memory by "
      "communicating\"). A channel operation costs more than an uncontended lock, but it "
      "carries any amount of work and cannot be forgotten the way a lock can.";
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::locking
