#pragma once
// The ping-pong switch timer: two tasks pinned to ONE CPU hand a token back and forth, so
// every hand-off is a context switch (the sender blocks, the CPU has nobody else to run).
//
//   side A (initiator)                      side B (responder)
//   pass token ───────────────────────────► await token         one round trip =
//   await token ◄─────────────────────────── pass token          2 switches + 4 syscalls
//
// Two transports: a futex word in shared memory (the shortest kernel path that blocks and
// wakes: tsuna's contextswitch) and a pair of pipes (Ingo Molnar's pipe-test, which
// `perf bench sched pipe` runs). Two kinds of partners: two threads of this process (same
// address space) or two child processes (one address space each: the switch must change the
// page tables too).
//
// What the timer reports is raw: wall time per round trip, the context switches the two sides
// counted (getrusage: voluntary and involuntary apart, see switch_count_plausible) and the CPU
// time they used. Taking out
// what is not the switch (4 getppid, or lmbench's no-switch pair: op_timer.h) is the caller's
// choice; both are one subtraction from a round trip, see per_switch_ns().
//
// Bounded and interruptible: the caller's thread supervises (it is neither side). It waits
// on a futex with a short timeout, polls os::interrupted() and the deadline, and on either
// stops both sides (a stop value in the futex word, a stop byte in each pipe) or, for
// processes, kills them (they also die with the caller's thread: PR_SET_PDEATHSIG).

#include <chrono>
#include <vector>

namespace conc::os {

enum class Transport { futex, pipe };
enum class Partners { threads, processes };
const char* to_string(Transport t);
const char* to_string(Partners p);

struct PingPongConfig {
  Transport transport = Transport::futex;
  Partners partners = Partners::threads;
  int cpu = 0;                                // both sides are pinned here
  long round_trips = 10'000;                  // timed, per repetition
  long warmup_round_trips = 1'000;            // untimed, before the first repetition
  int repetitions = 1;                        // 1 .. kMaxPingPongRepetitions
  std::chrono::milliseconds timeout{10'000};  // for the whole run
};

inline constexpr int kMaxPingPongRepetitions = 64;

struct PingPongRep {
  double round_trip_ns = 0;  // A's wall time for the timed loop / round trips
  // Both sides' switches per round trip, by kind: voluntary (the side blocked) and involuntary
  // (it was preempted: by the partner it woke, or by another task). See
  // switch_count_plausible() for what they must add up to.
  double voluntary_per_round_trip = 0;
  double involuntary_per_round_trip = 0;
  double cpu_share = 0;  // both sides' CPU time / wall: ~1 when nothing else ran on the CPU
};

struct PingPongResult {
  PingPongConfig config;
  std::vector<PingPongRep> reps;
  bool both_on_cpu = false;  // sched_getcpu() == config.cpu in both sides after pinning
};

// Runs one pair: spawn (threads are created pinned; a child pins itself), warm up, time
// `repetitions` × `round_trips`, stop, join/reap. Throws Interrupted on Ctrl-C,
// std::runtime_error when a side fails or the deadline passes, std::system_error when a thread
// or process cannot be created (a thread pinned to a CPU this process may not use included).
PingPongResult run_pingpong(const PingPongConfig& config);

// One round trip is two switches plus what `subtracted_ns` stands for (4 × getppid, or 2 ×
// the no-switch pair): per switch = (round trip − subtracted) / 2.
inline double per_switch_ns(double round_trip_ns, double subtracted_ns) {
  return (round_trip_ns - subtracted_ns) / 2.0;
}

// What the counted switches must show before the divisor 2 is believed.
//
// Two switches per round trip, voluntary and involuntary together: more means other tasks
// preempted the pair; fewer, the sides did not share one CPU.
//
// At least one of them voluntary, i.e. a side BLOCKED in (nearly) every round trip: a pair that
// never blocked (spinning sides preempted by ticks, two CPUs) shows none. Not two: the task
// woken usually preempts its waker on the spot (wakeup preemption: EEVDF gives the woken
// sleeper the earlier deadline), so the waker's switch is counted as involuntary although
// it was about to block, and it then finds the token already back without blocking. On this
// lab's kernel 6.18 about 0.85-0.9 of the 2 switches per round trip are counted that way. The
// round trip is the same two switches either way, which is why both kinds are reported.
inline constexpr double kMinSwitchesPerRoundTrip = 1.9;
inline constexpr double kMaxSwitchesPerRoundTrip = 2.2;
inline constexpr double kMinVoluntaryPerRoundTrip = 0.95;
bool switch_count_plausible(double voluntary_per_round_trip, double involuntary_per_round_trip);

// Below this share of the CPU's time, other tasks ran on the pinned CPU during the timing and
// the round trip includes their time.
inline constexpr double kMinPairCpuShare = 0.8;

}  // namespace conc::os
