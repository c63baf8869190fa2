// The ping-pong switch timer's shape: it really switches (about 2 switches counted per round
// trip), both sides ran on the chosen CPU, and a round trip is worth more than the syscalls
// it contains. No wall-clock thresholds.

#include <doctest/doctest.h>

#include <stdexcept>

#include "os/affinity.h"
#include "os/op_timer.h"
#include "os/pingpong.h"
#include "report/stats.h"

using namespace conc::os;

namespace {

PingPongResult small_run(Transport t, Partners p) {
  PingPongConfig c;
  c.transport = t;
  c.partners = p;
  c.cpu = default_cpu();
  c.round_trips = 2'000;
  c.warmup_round_trips = 200;
  c.repetitions = 3;
  return run_pingpong(c);
}

double median(std::vector<double> v) {
  return conc::report::summarize(std::move(v)).median;
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
        }
        // Every hand-off must block the sender (>= 2); preemptions by other tasks add a few.
        const double switches = median(r.switches_per_round_trip());
        CHECK(switches >= kMinSwitchesPerRoundTrip);
        CHECK(switches <= 2.5);
      }
    }
  }

  TEST_CASE("a round trip holds more than its syscalls made without switching") {
    const auto futex = small_run(Transport::futex, Partners::threads);
    const double pair = time_futex_self_pair(5'000, FutexScope::process_private);
    CHECK(pair > 0);
    CHECK(per_switch_ns(median(futex.round_trip_ns()), 2 * pair) > 0);
    const auto pipe = small_run(Transport::pipe, Partners::processes);
    const double pipe_pair = time_pipe_self_pair(5'000);
    CHECK(pipe_pair > 0);
    CHECK(per_switch_ns(median(pipe.round_trip_ns()), 2 * pipe_pair) > 0);
  }

  TEST_CASE("the switch-count check accepts about 2 and nothing else") {
    CHECK(switch_count_plausible(2.0));
    CHECK(switch_count_plausible(2.05));
    CHECK_FALSE(switch_count_plausible(1.0));
    CHECK_FALSE(switch_count_plausible(3.0));
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
