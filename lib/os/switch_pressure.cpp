// A busy loop under switch pressure (see switch_pressure.h).
//
// Invariants of the shared LoopState:
// - `phase` goes kWaiting -> kRunning -> kStopping, only forward, only by the controller (or
//   by the guard on an error path).
// - `turn` (the pair's token) is kPacer, kPartner or kStopped; a member of the pair moves it
//   only from its own value to the other's (compare-and-swap), so kStopped sticks.
// - Each thread writes only its own Totals and reads the shared words; the controller reads
//   the Totals only after `finished` counts every thread (release increment, acquire load).

#include "os/switch_pressure.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "os/affinity.h"
#include "os/clock.h"
#include "os/futex.h"
#include "os/interrupt.h"
#include "os/thread.h"

namespace conc::os {

PacingPlan plan_pacing(double target_switches_per_s) {
  PacingPlan p;
  if (target_switches_per_s <= 0) {
    return p;
  }
  // At least one round trip per wake-up, so each period costs at least 4 switches.
  p.periods_per_s = std::min(target_switches_per_s / 4.0, kMaxPacerWakeupsPerSecond);
  p.round_trips = std::max(1L, std::lround(target_switches_per_s / p.periods_per_s / 2.0 - 1.0));
  p.planned_switches_per_s = p.periods_per_s * static_cast<double>(2 * p.round_trips + 2);
  return p;
}

namespace {

constexpr std::uint32_t kWaiting = 0, kRunning = 1, kStopping = 2;
constexpr std::uint32_t kPacer = 0, kPartner = 1, kStopped = 2;
constexpr std::size_t kBusyWords = 32 * 1024 / sizeof(std::uint32_t);  // 32 KiB: fits L1
constexpr auto kStartLimit = std::chrono::seconds(5);
constexpr auto kFinishLimit = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto scope = FutexScope::process_private;

struct Totals {
  std::int64_t wall_ns = 0, cpu_ns = 0;
  long switches = 0;
  std::uint64_t iterations = 0;
};

struct Snapshot {
  std::int64_t wall_ns, cpu_ns;
  long switches;
};

Snapshot take_snapshot() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return {monotonic_ns(), thread_cpu_ns(), ru.ru_nvcsw + ru.ru_nivcsw};
}

struct LoopState {
  FutexWord phase{kWaiting};
  FutexWord turn{kPacer};
  FutexWord finished{0};
  std::atomic<int> ready{0};
  std::atomic<int> pin_failures{0};
  Totals loop, pacer, partner;
};

// Pins the calling thread, reports in, and waits for the start. false: could not pin.
bool pin_and_wait(LoopState& s, int cpu) {
  try {
    pin_current_thread(cpu);
  } catch (const std::system_error&) {
    s.pin_failures.fetch_add(1);
  }
  s.ready.fetch_add(1);
  while (s.phase.load(std::memory_order_acquire) == kWaiting) {
    futex_wait(s.phase, kWaiting, scope);
  }
  return s.pin_failures.load() == 0;
}

void record(Totals& t, const Snapshot& from, std::uint64_t iterations) {
  const Snapshot to = take_snapshot();
  t.wall_ns = to.wall_ns - from.wall_ns;
  t.cpu_ns = to.cpu_ns - from.cpu_ns;
  t.switches = to.switches - from.switches;
  t.iterations = iterations;
}

void done(LoopState& s) {
  s.finished.fetch_add(1, std::memory_order_release);
  futex_wake_all(s.finished, scope);
}

bool stopping(const LoopState& s) {
  return s.phase.load(std::memory_order_relaxed) == kStopping;
}

// The work whose rate we watch: sum a 32 KiB array again and again.
void busy_loop(LoopState& s, int cpu) {
  std::vector<std::uint32_t> data(kBusyWords, 1);
  if (pin_and_wait(s, cpu)) {
    const Snapshot from = take_snapshot();
    std::uint64_t iterations = 0;
    std::uint32_t sum = 0;
    while (!stopping(s)) {
      // The compiler must read the array again on every pass, not sum it once.
      asm volatile("" : : "r"(data.data()) : "memory");
      for (std::uint32_t word : data) {
        sum += word;
      }
      iterations += data.size();
    }
    asm volatile("" : : "r"(sum));
    record(s.loop, from, iterations);
  }
  done(s);
}

// One hand-off of the pair's token; false once the token was stopped.
bool hand_over(LoopState& s, std::uint32_t mine, std::uint32_t theirs) {
  std::uint32_t expected = mine;
  if (!s.turn.compare_exchange_strong(expected, theirs, std::memory_order_acq_rel)) {
    return false;
  }
  futex_wake(s.turn, 1, scope);
  return true;
}

bool wait_for_turn(LoopState& s, std::uint32_t mine) {
  while (true) {
    const std::uint32_t seen = s.turn.load(std::memory_order_acquire);
    if (seen == mine) {
      return true;
    }
    if (seen == kStopped) {
      return false;
    }
    futex_wait(s.turn, seen, scope);
  }
}

void pacer(LoopState& s, int cpu, SwitchPressure pressure) {
  // The timer should fire when asked, not up to 50 µs later (the default slack).
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (pin_and_wait(s, cpu)) {
    const Snapshot from = take_snapshot();
    auto round_trip = [&] { return hand_over(s, kPacer, kPartner) && wait_for_turn(s, kPacer); };
    if (pressure.kind == SwitchPressure::Kind::continuous) {
      while (!stopping(s) && round_trip()) {
      }
    } else {
      const PacingPlan plan = plan_pacing(pressure.target_switches_per_s);
      const auto period = static_cast<std::int64_t>(1e9 / plan.periods_per_s);
      std::int64_t next = monotonic_ns();
      while (!stopping(s)) {
        next += period;
        // After a long delay, start afresh rather than burst to catch up.
        next = std::max(next, monotonic_ns() - 10 * period);
        const timespec at{static_cast<time_t>(next / 1'000'000'000),
                          static_cast<long>(next % 1'000'000'000)};
        while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
        }
        for (long k = 0; k < plan.round_trips && round_trip(); ++k) {
        }
      }
    }
    record(s.pacer, from, 0);
  }
  s.turn.store(kStopped, std::memory_order_release);
  futex_wake_all(s.turn, scope);
  done(s);
}

void partner(LoopState& s, int cpu) {
  if (pin_and_wait(s, cpu)) {
    const Snapshot from = take_snapshot();
    while (wait_for_turn(s, kPartner) && hand_over(s, kPartner, kPacer)) {
    }
    record(s.partner, from, 0);
  }
  done(s);
}

// Stops every thread on any path out of run_busy_loop, before the Thread members join.
class Experiment {
 public:
  explicit Experiment(int expected_threads) : expected_(expected_threads) {
    threads_.reserve(static_cast<std::size_t>(expected_threads));
  }
  Experiment(const Experiment&) = delete;
  Experiment& operator=(const Experiment&) = delete;
  ~Experiment() { stop(); }

  void stop() {
    state.phase.store(kStopping, std::memory_order_release);
    futex_wake_all(state.phase, scope);
    state.turn.store(kStopped, std::memory_order_release);
    futex_wake_all(state.turn, scope);
  }

  void start(std::function<void()> fn) {
    Thread& t = threads_.emplace_back();
    if (const int err = Thread::start(t, std::move(fn)); err != 0) {
      threads_.pop_back();
      throw std::system_error(err, std::generic_category(), "busy-loop experiment thread");
    }
  }

  // Bounded waits on the counters the threads bump.
  void wait_ready() {
    const auto deadline = monotonic_ns() + std::chrono::nanoseconds(kStartLimit).count();
    while (state.ready.load() < expected_) {
      throw_if_interrupted();
      if (monotonic_ns() > deadline) {
        throw std::runtime_error("busy-loop experiment: threads did not start");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  void wait_finished() {
    const auto deadline = monotonic_ns() + std::chrono::nanoseconds(kFinishLimit).count();
    while (true) {
      const auto n = state.finished.load(std::memory_order_acquire);
      if (static_cast<int>(n) >= expected_) {
        break;
      }
      if (monotonic_ns() > deadline) {
        throw std::runtime_error("busy-loop experiment: threads did not stop");
      }
      futex_wait_for(state.finished, n, scope, kPoll);
    }
    for (auto& t : threads_) {
      t.join();
    }
  }

  LoopState state;

 private:
  int expected_;
  std::vector<Thread> threads_;  // after `state`: joined before it goes away
};

// Sleeps through the window in short steps so that Ctrl-C is seen within kPoll.
void sleep_window(std::chrono::milliseconds window) {
  const auto end = monotonic_ns() + std::chrono::nanoseconds(window).count();
  for (auto now = monotonic_ns(); now < end; now = monotonic_ns()) {
    throw_if_interrupted();
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds(end - now), kPoll));
  }
}

}  // namespace

BusyLoopSample run_busy_loop(int cpu, std::chrono::milliseconds window, SwitchPressure pressure) {
  const bool with_pair = pressure.kind != SwitchPressure::Kind::none;
  if (pressure.kind == SwitchPressure::Kind::paced && pressure.target_switches_per_s <= 0) {
    throw std::invalid_argument("paced switch pressure needs a positive rate");
  }
  Experiment x(with_pair ? 3 : 1);
  LoopState& s = x.state;
  x.start([&s, cpu] { busy_loop(s, cpu); });
  if (with_pair) {
    x.start([&s, cpu] { partner(s, cpu); });
    x.start([&s, cpu, pressure] { pacer(s, cpu, pressure); });
  }
  x.wait_ready();
  s.phase.store(kRunning, std::memory_order_release);
  futex_wake_all(s.phase, scope);
  sleep_window(window);
  x.stop();
  x.wait_finished();
  if (s.pin_failures.load() != 0) {
    throw std::runtime_error("busy-loop experiment: could not pin to CPU " + std::to_string(cpu));
  }
  BusyLoopSample out;
  const double wall = static_cast<double>(s.loop.wall_ns);
  out.window_ns = wall;
  if (wall <= 0) {
    return out;
  }
  out.iterations_per_s = static_cast<double>(s.loop.iterations) / wall * 1e9;
  out.loop_cpu_share = static_cast<double>(s.loop.cpu_ns) / wall;
  out.pair_cpu_share = static_cast<double>(s.pacer.cpu_ns + s.partner.cpu_ns) / wall;
  out.switches_per_s =
      static_cast<double>(s.loop.switches + s.pacer.switches + s.partner.switches) / wall * 1e9;
  return out;
}

}  // namespace conc::os
