// See switch_timing.h. Only the runtime's public API is used: this is what any program would
// measure.
#include "lessons/common/switch_timing.h"

#include <chrono>

#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t yields(std::int64_t n) {
  std::int64_t elapsed = 0;
  rt::Config c;
  c.workers = 1;
  rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(2);
        const std::int64_t t0 = now_ns();
        for (int j = 0; j < 2; ++j) {
          rt::go([&] {
            for (std::int64_t i = 0; i < n; ++i) {
              rt::yield();
            }
            wg.done();
          });
        }
        wg.wait();
        elapsed = now_ns() - t0;
      },
      c);
  return elapsed;
}

std::int64_t round_trips(std::int64_t n, int workers) {
  std::int64_t elapsed = 0;
  rt::Config c;
  c.workers = workers;
  rt::run(
      [&] {
        rt::Chan<std::int64_t> ping(0), pong(0);
        rt::WaitGroup wg;
        wg.add(2);
        const std::int64_t t0 = now_ns();
        rt::go([&] {
          for (std::int64_t i = 0; i < n; ++i) {
            ping.send(i);
            pong.recv();
          }
          wg.done();
        });
        rt::go([&] {
          for (std::int64_t i = 0; i < n; ++i) {
            pong.send(*ping.recv());
          }
          wg.done();
        });
        wg.wait();
        elapsed = now_ns() - t0;
      },
      c);
  return elapsed;
}

}  // namespace

double measure_yield_switch_ns(std::int64_t n) {
  yields(n / 10 + 1);
  return static_cast<double>(yields(n)) / static_cast<double>(2 * n);
}

double measure_chan_round_trip_ns(std::int64_t n, int workers) {
  round_trips(n / 10 + 1, workers);
  return static_cast<double>(round_trips(n, workers)) / static_cast<double>(n);
}

}  // namespace conc::lessons
