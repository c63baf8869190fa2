// The ping-pong switch timer's shape: it really switches (about 2 voluntary switches counted
// per round trip), both sides ran on the chosen CPU, and a round trip is worth more than the
// syscalls it contains. No wall-clock thresholds.

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <vector>

#include "os/sys/affinity.h"
#include "os/workloads/op_timer.h"
#include "os/workloads/pingpong.h"
#include "report/stats.h"

using namespace conc::os;

namespace {

PingPongResult small_run(Transport t, Partners p, int repetitions = 3) {
  PingPongConfig c;
  c.transport = t;
  c.partners = p;
  c.cpu = default_cpu();
  c.round_trips = 2'000;
  c.warmup_round_trips = 200;
  c.repetitions = repetitions;
  return run_pingpong(c);
}

double median_of(const PingPongResult& r, double PingPongRep::*field) {
  std::vector<double> v;
  for (const auto& rep : r.reps) {
    v.push_back(rep.*field);
  }
  return conc::report::median(std::move(v));
}

// The median of `n` timings, each on the ping-pong's CPU like the lesson's yardsticks.
// The fastest of n timings: a disturbance (a preemption, a neighbour's compile) only ever adds
// time to a syscall pair, so the fastest is the least disturbed figure of the baseline.
double fastest_timing(int n, const std::function<double()>& time_once) {
  const ScopedPin pinned(default_cpu(), allowed_cpus());
  double best = time_once();
  for (int i = 1; i < n; ++i) {
    best = std::min(best, time_once());
  }
  return best;
}

}  // namespace

TEST_SUITE("ping-pong switch timer") {
  TEST_CASE("every transport and kind of partner switches twice per round trip") {
    for (auto t : {Transport::futex, Transport::pipe}) {
      for (auto p : {Partners::threads, Partners::processes}) {
        CAPTURE(to_string(t));
        CAPTURE(to_string(p));
        const PingPongResult r = small_run(t, p);
        REQUIRE(r.reps.size() == 3);
        CHECK(r.both_on_cpu);
        for (const auto& rep : r.reps) {
          CHECK(rep.round_trip_ns > 0);
          CHECK(rep.cpu_share > 0);
          CHECK(rep.involuntary_per_round_trip >= 0);
        }
        // Two switches per round trip, and a side blocked in every one (the woken side often
        // preempts its waker, so not both: see switch_count_plausible).
        const double voluntary = median_of(r, &PingPongRep::voluntary_per_round_trip);
        const double involuntary = median_of(r, &PingPongRep::involuntary_per_round_trip);
        CHECK(voluntary >= kMinVoluntaryPerRoundTrip);
        CHECK(voluntary + involuntary >= kMinSwitchesPerRoundTrip);
        CHECK(voluntary + involuntary <= kMaxSwitchesPerRoundTrip);
        CHECK(switch_count_plausible(voluntary, involuntary));
      }
    }
  }

  // The issue asks for "figures positive and above their baselines". A round trip makes the
  // no-switch pair's syscalls TWICE and switches twice on top, so it is physically above 2
  // pairs; this test asks only for more than ONE pair, a factor-2 margin that a timing upset
  // on a shared 2-CPU machine (a preempted batch, a neighbour's compile) cannot eat. The round
  // trip is the median of 5 repetitions; the baseline the fastest of 5, since load only slows
  // it (under ASan on a loaded machine, a median pair once came out above the round trip).
  TEST_CASE("a round trip holds more than its syscalls made without switching") {
    constexpr int kRepetitions = 5;
    const auto futex = small_run(Transport::futex, Partners::threads, kRepetitions);
    const double futex_pair = fastest_timing(
        kRepetitions, [] { return time_futex_self_pair(2'000, FutexScope::process_private); });
    CHECK(futex_pair > 0);
    CHECK(median_of(futex, &PingPongRep::round_trip_ns) > futex_pair);
    const auto pipe = small_run(Transport::pipe, Partners::processes, kRepetitions);
    const double pipe_pair =
        fastest_timing(kRepetitions, [] { return time_pipe_self_pair(2'000); });
    CHECK(pipe_pair > 0);
    CHECK(median_of(pipe, &PingPongRep::round_trip_ns) > pipe_pair);
  }

  TEST_CASE("the switch-count check wants 2 switches with a side blocking in each round trip") {
    CHECK(switch_count_plausible(2.0, 0.0));    // every waker blocked before its partner ran
    CHECK(switch_count_plausible(1.14, 0.86));  // most wakers preempted by the task they woke
    CHECK(switch_count_plausible(1.0, 1.05));
    CHECK_FALSE(switch_count_plausible(0.0, 2.0));  // nobody blocked: preemptions only
    CHECK_FALSE(switch_count_plausible(0.5, 1.5));
    CHECK_FALSE(switch_count_plausible(1.0, 0.0));  // one switch per round trip: two CPUs
    CHECK_FALSE(switch_count_plausible(2.0, 1.0));  // other tasks preempted the pair
  }

  TEST_CASE("per switch is half of what is left after the subtraction") {
    CHECK(per_switch_ns(1000, 400) == doctest::Approx(300));
  }

  TEST_CASE("a bad configuration is refused before anything starts") {
    PingPongConfig c;
    c.repetitions = 0;
    CHECK_THROWS_AS(run_pingpong(c), std::invalid_argument);
    c.repetitions = kMaxPingPongRepetitions + 1;
    CHECK_THROWS_AS(run_pingpong(c), std::invalid_argument);
  }

  TEST_CASE("a CPU the process may not use fails as an error, not a hang") {
    PingPongConfig c;
    c.cpu = 1023;  // the last CPU a cpu_set_t can name: not one a test machine lets us use
    c.round_trips = 10;
    // Threads: created pinned, so the creation fails (std::system_error is a runtime_error).
    CHECK_THROWS_AS(run_pingpong(c), std::runtime_error);
    c.partners = Partners::processes;
    CHECK_THROWS_AS(run_pingpong(c), std::runtime_error);
  }
}

TEST_SUITE("operation timers") {
  TEST_CASE("every yardstick gives a positive time per operation") {
    CHECK(time_function_calls(100'000) > 0);
    CHECK(time_getppid(1'000) > 0);
    CHECK(time_pipe_self_pair(1'000) > 0);
    CHECK(time_futex_self_pair(1'000, FutexScope::process_private) > 0);
    CHECK(time_futex_self_pair(1'000, FutexScope::shared) > 0);
  }
}
