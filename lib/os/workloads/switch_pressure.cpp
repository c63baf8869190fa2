// A busy loop under switch pressure (see switch_pressure.h).
//
// Invariants of the shared LoopState:
// - `phase` goes kWaiting -> kRunning -> kStopping, only forward, only by the controller (or
//   by the guard on an error path).
// - `baton` (the pair's token, os::FutexBaton) is the pacer's, the partner's or stopped; a
//   stop sticks.
// - Each thread writes only its own Totals and reads the shared words; the controller reads
//   the Totals only after `finished` counts every thread (release increment, acquire load).

#include "os/workloads/switch_pressure.h"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "os/sys/clock.h"
#include "os/sys/futex.h"
#include "os/sys/interrupt.h"
#include "os/sys/rusage.h"
#include "os/sys/thread.h"

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
constexpr auto kPacer = FutexBaton::first;
constexpr auto kPartner = FutexBaton::second;
constexpr std::size_t kBusyWords =
    std::size_t{32} * 1024 / sizeof(std::uint32_t);  // 32 KiB: fits L1
constexpr auto kStartLimit = std::chrono::seconds(5);
constexpr auto kFinishLimit = std::chrono::seconds(5);
// How often the controller looks at Ctrl-C while it waits for the threads.
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kReadyPoll = std::chrono::microseconds(200);
constexpr auto scope = FutexScope::process_private;

// One thread's window (clocks and switch counters, os::sample_this_thread) and its work.
struct Totals {
  ThreadSample window;
  std::uint64_t iterations = 0;

  // Every switch the thread took part in, voluntary (it blocked: the pair) or involuntary (it
  // was preempted: the loop). Each one is a switch on the experiment's CPU.
  long switches() const { return window.voluntary_switches + window.involuntary_switches; }
};

struct LoopState {
  FutexWord phase{kWaiting};
  FutexBaton baton;  // the pacer holds it first
  FutexWord finished{0};
  std::atomic<int> ready{0};
  Totals loop, pacer, partner;
};

// Reports in and waits for the start (the thread was created pinned: Thread::Options::cpu).
void wait_for_start(LoopState& s) {
  s.ready.fetch_add(1);
  while (s.phase.load(std::memory_order_acquire) == kWaiting) {
    futex_wait(s.phase, kWaiting, scope);
  }
}

void done(LoopState& s) {
  s.finished.fetch_add(1, std::memory_order_release);
  futex_wake_all(s.finished, scope);
}

bool stopping(const LoopState& s) {
  return s.phase.load(std::memory_order_relaxed) == kStopping;
}

// The work whose rate we watch: sum a 32 KiB array again and again.
void busy_loop(LoopState& s) {
  std::vector<std::uint32_t> data(kBusyWords, 1);
  wait_for_start(s);
  const ThreadSample from = sample_this_thread();
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
  s.loop = {sample_this_thread() - from, iterations};
  done(s);
}

// Sleeps until the absolute monotonic time `at_ns` (a signal does not cut it short), or until
// the stop: a long period is slept in steps of at most kPoll, so the controller never waits
// longer than that for the pacer to see the stop.
void sleep_until(const LoopState& s, std::int64_t at_ns) {
  const std::int64_t step = std::chrono::nanoseconds(kPoll).count();
  while (!stopping(s)) {
    const std::int64_t until = std::min(at_ns, monotonic_ns() + step);
    const timespec at{static_cast<time_t>(until / 1'000'000'000),
                      static_cast<long>(until % 1'000'000'000)};
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
    if (until == at_ns) {
      return;
    }
  }
}

// Wakes plan.periods_per_s times a second and plays plan.round_trips each time, until the stop.
template <typename RoundTrip>
void play_paced(const LoopState& s, const PacingPlan& plan, RoundTrip round_trip) {
  const auto period = static_cast<std::int64_t>(1e9 / plan.periods_per_s);
  std::int64_t next = monotonic_ns();
  while (!stopping(s)) {
    next += period;
    // After a long delay, start afresh rather than burst to catch up.
    next = std::max(next, monotonic_ns() - 10 * period);
    sleep_until(s, next);
    for (long k = 0; k < plan.round_trips && round_trip(); ++k) {
    }
  }
}

void pacer(LoopState& s, SwitchPressure pressure) {
  // The timer should fire when asked, not up to 50 µs later (the default slack).
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  wait_for_start(s);
  const ThreadSample from = sample_this_thread();
  auto round_trip = [&s] { return s.baton.pass(kPacer) && s.baton.await(kPacer); };
  if (pressure.kind == SwitchPressure::Kind::continuous) {
    while (!stopping(s) && round_trip()) {
    }
  } else {
    play_paced(s, plan_pacing(pressure.target_switches_per_s), round_trip);
  }
  s.pacer = {sample_this_thread() - from, 0};
  s.baton.stop();  // releases the partner
  done(s);
}

void partner(LoopState& s) {
  wait_for_start(s);
  const ThreadSample from = sample_this_thread();
  while (s.baton.await(kPartner) && s.baton.pass(kPartner)) {
  }
  s.partner = {sample_this_thread() - from, 0};
  done(s);
}

// Stops every thread on any path out of run_busy_loop, before the Thread members join.
class Experiment {
 public:
  Experiment(int cpu, int expected_threads) : cpu_(cpu), expected_(expected_threads) {
    threads_.reserve(static_cast<std::size_t>(expected_threads));
  }
  Experiment(const Experiment&) = delete;
  Experiment& operator=(const Experiment&) = delete;
  ~Experiment() { stop(); }

  void stop() {
    state.phase.store(kStopping, std::memory_order_release);
    futex_wake_all(state.phase, scope);
    state.baton.stop();
  }

  // Every thread is created pinned to the experiment's CPU: one that cannot be used fails here.
  void start(std::function<void()> fn) {
    Thread& t = threads_.emplace_back();
    if (const int err = Thread::start(t, std::move(fn), {.stack_bytes = 0, .cpu = cpu_});
        err != 0) {
      threads_.pop_back();
      throw std::system_error(
          err, std::generic_category(),
          "busy-loop experiment: a thread pinned to CPU " + std::to_string(cpu_));
    }
  }

  // Bounded waits on the counters the threads bump. Ctrl-C ends either within kPoll: the
  // exception leaves through the destructor, which stops the threads, and the Thread members
  // join them.
  void wait_ready() {
    const auto deadline = monotonic_ns() + std::chrono::nanoseconds(kStartLimit).count();
    while (state.ready.load() < expected_) {
      if (monotonic_ns() > deadline) {
        throw std::runtime_error("busy-loop experiment: threads did not start");
      }
      sleep_interruptible(std::chrono::nanoseconds(kReadyPoll).count());
    }
  }
  void wait_finished() {
    const auto deadline = monotonic_ns() + std::chrono::nanoseconds(kFinishLimit).count();
    while (true) {
      const auto n = state.finished.load(std::memory_order_acquire);
      if (static_cast<int>(n) >= expected_) {
        break;
      }
      throw_if_interrupted();
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
  int cpu_;
  int expected_;
  std::vector<Thread> threads_;  // after `state`: joined before it goes away
};

BusyLoopSample summarize(const LoopState& s) {
  BusyLoopSample out;
  const auto wall = static_cast<double>(s.loop.window.wall_ns);
  out.window_ns = wall;
  if (wall <= 0) {
    return out;
  }
  out.iterations_per_s = static_cast<double>(s.loop.iterations) / wall * 1e9;
  out.loop_cpu_share = static_cast<double>(s.loop.window.cpu_ns) / wall;
  out.pair_cpu_share = static_cast<double>(s.pacer.window.cpu_ns + s.partner.window.cpu_ns) / wall;
  const long switches = s.loop.switches() + s.pacer.switches() + s.partner.switches();
  out.switches_per_s = static_cast<double>(switches) / wall * 1e9;
  return out;
}

}  // namespace

BusyLoopSample run_busy_loop(int cpu, std::chrono::milliseconds window, SwitchPressure pressure) {
  const bool with_pair = pressure.kind != SwitchPressure::Kind::none;
  if (pressure.kind == SwitchPressure::Kind::paced && pressure.target_switches_per_s <= 0) {
    throw std::invalid_argument("paced switch pressure needs a positive rate");
  }
  Experiment x(cpu, with_pair ? 3 : 1);
  LoopState& s = x.state;
  x.start([&s] { busy_loop(s); });
  if (with_pair) {
    x.start([&s] { partner(s); });
    x.start([&s, pressure] { pacer(s, pressure); });
  }
  x.wait_ready();
  s.phase.store(kRunning, std::memory_order_release);
  futex_wake_all(s.phase, scope);
  sleep_interruptible(std::chrono::nanoseconds(window).count());
  x.stop();
  x.wait_finished();
  return summarize(s);
}

}  // namespace conc::os
