// The ping-pong switch timer (see pingpong.h for what it measures and why).
//
// Invariants of the shared State (one per run, in a MAP_SHARED mapping so that the same code
// serves two threads and two processes):
// - `baton` (os::FutexBaton) is A's, B's or stopped; only the supervisor stops it, and a stop
//   sticks (see futex.h).
// - Side X writes only X's samples, X's `outcome` and X's `cpu`; the supervisor reads them
//   only after `finished` reached 2 (each side's last act is a release increment of it).
// - Boundary r of the samples is taken by A just before it passes round trip W + r·N, and by B
//   just before it awaits that same round trip: repetition r is [boundary r, boundary r+1)
//   on both sides, so their switch counts add up over the same round trips.

#include "os/workloads/pingpong.h"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "os/sys/affinity.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/futex.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "os/sys/rusage.h"
#include "os/sys/shared_memory.h"
#include "os/sys/thread.h"

namespace conc::os {

const char* to_string(Transport t) {
  return t == Transport::futex ? "futex" : "pipe";
}
const char* to_string(Partners p) {
  return p == Partners::threads ? "threads" : "processes";
}

bool switch_count_plausible(double voluntary_per_round_trip, double involuntary_per_round_trip) {
  const double all = voluntary_per_round_trip + involuntary_per_round_trip;
  return voluntary_per_round_trip >= kMinVoluntaryPerRoundTrip && all >= kMinSwitchesPerRoundTrip &&
         all <= kMaxSwitchesPerRoundTrip;
}

namespace {

using Side = FutexBaton::Side;
constexpr char kToken = 't';
constexpr char kStopByte = 's';
// How often the supervisor looks at Ctrl-C, the deadline and the children.
constexpr auto kSupervisorPoll = std::chrono::milliseconds(20);

// A side's outcome; 0 while it runs (the mapping starts zero-filled).
enum Outcome : int { kRunning = 0, kCompleted, kStopped, kPinFailed, kIoFailed };

const char* describe(int outcome) {
  switch (outcome) {
    case kRunning:
      return "did not finish";
    case kCompleted:
      return "completed";
    case kStopped:
      return "was stopped";
    case kPinFailed:
      return "could not be pinned to the CPU";
    default:
      return "failed reading or writing its pipe";
  }
}

// One side's clocks and counters at each repetition boundary (sample_this_thread: raw calls
// only, since side B may run in a child forked from a threaded process and a side running on
// a thread must not throw).
using Samples = ThreadSample[kMaxPingPongRepetitions + 1];

struct State {
  alignas(64) FutexBaton baton;
  alignas(64) FutexWord finished;
  std::atomic<int> outcome_a, outcome_b;
  int cpu_a, cpu_b;
  Samples a, b;
};

// Where the side runs after pinning (threads are created pinned, a child pins itself first).
bool on_cpu(int cpu, int& seen) {
  seen = ::sched_getcpu();
  return seen == cpu;
}

// One side's end of the link: hands the token over, and waits for it to come back.
class Endpoint {
 public:
  Endpoint(FutexBaton& baton, Transport transport, Side mine, int in_fd, int out_fd)
      : baton_(baton), transport_(transport), mine_(mine), in_fd_(in_fd), out_fd_(out_fd) {}

  // false: stopped by the supervisor, or the pipe failed (io_failed() tells).
  bool pass() {
    if (transport_ == Transport::futex) {
      return baton_.pass(mine_);
    }
    const char token = kToken;
    ssize_t w = 0;
    do {
      w = ::write(out_fd_, &token, 1);
    } while (w < 0 && errno == EINTR);
    io_failed_ = w != 1;
    return !io_failed_;
  }

  bool await() {
    if (transport_ == Transport::futex) {
      return baton_.await(mine_);
    }
    char byte = 0;
    ssize_t r = 0;
    do {
      r = ::read(in_fd_, &byte, 1);
    } while (r < 0 && errno == EINTR);
    io_failed_ = r != 1;
    return r == 1 && byte == kToken;
  }

  bool io_failed() const { return io_failed_; }

 private:
  FutexBaton& baton_;
  Transport transport_;
  Side mine_;
  int in_fd_, out_fd_;
  bool io_failed_ = false;
};

int run_initiator(State& s, const PingPongConfig& c, Endpoint& link) {
  if (!on_cpu(c.cpu, s.cpu_a)) {
    return kPinFailed;
  }
  auto round_trip = [&] { return link.pass() && link.await(); };
  for (long i = 0; i < c.warmup_round_trips; ++i) {
    if (!round_trip()) {
      return link.io_failed() ? kIoFailed : kStopped;
    }
  }
  for (int r = 0; r < c.repetitions; ++r) {
    s.a[r] = sample_this_thread();
    for (long i = 0; i < c.round_trips; ++i) {
      if (!round_trip()) {
        return link.io_failed() ? kIoFailed : kStopped;
      }
    }
  }
  s.a[c.repetitions] = sample_this_thread();
  return kCompleted;
}

int run_responder(State& s, const PingPongConfig& c, Endpoint& link) {
  if (!on_cpu(c.cpu, s.cpu_b)) {
    return kPinFailed;
  }
  const long total = c.warmup_round_trips + c.repetitions * c.round_trips;
  long next_boundary = c.warmup_round_trips;
  int boundary = 0;
  for (long i = 0; i < total; ++i) {
    if (i == next_boundary) {
      s.b[boundary++] = sample_this_thread();
      next_boundary += c.round_trips;
    }
    if (!link.await() || !link.pass()) {
      return link.io_failed() ? kIoFailed : kStopped;
    }
  }
  s.b[c.repetitions] = sample_this_thread();
  return kCompleted;
}

void finish(State& s, std::atomic<int>& outcome, int value, FutexScope scope) {
  outcome.store(value, std::memory_order_relaxed);
  s.finished.fetch_add(1, std::memory_order_release);
  futex_wake_all(s.finished, scope);
}

// Owns everything one run needs; the destructor stops the sides before its members join the
// threads (os::Thread) or kill and reap the children (os::ChildProcess), on every path.
class Run {
 public:
  explicit Run(const PingPongConfig& c)
      : config_(c),
        scope_(c.partners == Partners::threads ? FutexScope::process_private : FutexScope::shared) {
    state_->baton.reset(Side::first, scope_);
    a_link_.emplace(state_->baton, c.transport, Side::first, ba_.read_fd(), ab_.write_fd());
    b_link_.emplace(state_->baton, c.transport, Side::second, ab_.read_fd(), ba_.write_fd());
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run() {
    if (state_->finished.load(std::memory_order_acquire) < 2) {
      stop();
    }
  }

  void start() {
    State& s = *state_;
    // A thread is created pinned (os::Thread); a child pins itself before it plays.
    const bool child = config_.partners == Partners::processes;
    auto responder = [this, &s, child] {
      const bool pinned = !child || pin_self_nothrow(config_.cpu);
      finish(s, s.outcome_b, pinned ? run_responder(s, config_, *b_link_) : kPinFailed, scope_);
    };
    auto initiator = [this, &s, child] {
      const bool pinned = !child || pin_self_nothrow(config_.cpu);
      finish(s, s.outcome_a, pinned ? run_initiator(s, config_, *a_link_) : kPinFailed, scope_);
    };
    if (!child) {
      start_thread(b_thread_, responder);
      start_thread(a_thread_, initiator);
    } else {
      b_child_.emplace(ChildProcess::spawn([&] {
        responder();
        return 0;
      }));
      a_child_.emplace(ChildProcess::spawn([&] {
        initiator();
        return 0;
      }));
    }
  }

  // Waits for both sides, boundedly; throws on Ctrl-C, on the deadline, on a dead child.
  void supervise() {
    State& s = *state_;
    const auto deadline = monotonic_ns() + std::chrono::nanoseconds(config_.timeout).count();
    while (true) {
      const std::uint32_t done = s.finished.load(std::memory_order_acquire);
      if (done >= 2) {
        break;
      }
      throw_if_interrupted();
      if (monotonic_ns() > deadline) {
        throw std::runtime_error(std::string("the ") + to_string(config_.transport) + " " +
                                 to_string(config_.partners) + " ping-pong did not finish within " +
                                 std::to_string(config_.timeout.count()) + " ms");
      }
      check_child(a_child_, s.outcome_a, "A");
      check_child(b_child_, s.outcome_b, "B");
      // A side that gave up (could not pin, pipe failed) leaves the other waiting: release it.
      if (failed(s.outcome_a) || failed(s.outcome_b)) {
        stop();
      }
      futex_wait_for(s.finished, done, scope_, kSupervisorPoll);
    }
    a_thread_.join();
    b_thread_.join();
    if (a_child_) {
      a_child_->wait();
    }
    if (b_child_) {
      b_child_->wait();
    }
    require_completed(s.outcome_a.load(), "A");
    require_completed(s.outcome_b.load(), "B");
  }

  PingPongResult result() const {
    const State& s = *state_;
    PingPongResult out;
    out.config = config_;
    out.both_on_cpu = s.cpu_a == config_.cpu && s.cpu_b == config_.cpu;
    const double n = static_cast<double>(config_.round_trips);
    for (int r = 0; r < config_.repetitions; ++r) {
      const ThreadSample a = s.a[r + 1] - s.a[r];
      const ThreadSample b = s.b[r + 1] - s.b[r];
      const auto wall = static_cast<double>(a.wall_ns);
      PingPongRep rep;
      rep.round_trip_ns = wall / n;
      rep.voluntary_per_round_trip =
          static_cast<double>(a.voluntary_switches + b.voluntary_switches) / n;
      rep.involuntary_per_round_trip =
          static_cast<double>(a.involuntary_switches + b.involuntary_switches) / n;
      rep.cpu_share = wall > 0 ? static_cast<double>(a.cpu_ns + b.cpu_ns) / wall : 0;
      out.reps.push_back(rep);
    }
    return out;
  }

 private:
  template <typename Fn>
  void start_thread(Thread& t, Fn fn) {
    if (const int err = Thread::start(t, fn, {.stack_bytes = 0, .cpu = config_.cpu}); err != 0) {
      throw std::system_error(err, std::generic_category(),
                              "ping-pong thread pinned to CPU " + std::to_string(config_.cpu));
    }
  }

  static bool failed(const std::atomic<int>& outcome) {
    const int o = outcome.load();
    return o != kRunning && o != kCompleted;
  }

  static void require_completed(int outcome, const char* name) {
    if (outcome != kCompleted) {
      throw std::runtime_error(std::string("ping-pong side ") + name + " " + describe(outcome));
    }
  }

  void check_child(std::optional<ChildProcess>& child, const std::atomic<int>& outcome,
                   const char* name) {
    if (!child || !child->wait_for(std::chrono::milliseconds(0))) {
      return;
    }
    if (outcome.load() == kRunning) {
      throw std::runtime_error(std::string("ping-pong side ") + name + " died (" +
                               child->wait().describe() + ")");
    }
  }

  void stop() {
    state_->baton.stop();
    if (config_.transport == Transport::pipe) {
      const char byte = kStopByte;
      [[maybe_unused]] auto w1 = ::write(ab_.write_fd(), &byte, 1);
      [[maybe_unused]] auto w2 = ::write(ba_.write_fd(), &byte, 1);
    }
  }

  PingPongConfig config_;
  FutexScope scope_;
  Shared<State> state_;
  Pipe ab_, ba_;  // A -> B and B -> A
  std::optional<Endpoint> a_link_, b_link_;
  // Declared last: destroyed (joined, killed) first, while the state and pipes still exist.
  std::optional<ChildProcess> a_child_, b_child_;
  Thread a_thread_, b_thread_;
};

}  // namespace

PingPongResult run_pingpong(const PingPongConfig& config) {
  if (config.repetitions < 1 || config.repetitions > kMaxPingPongRepetitions ||
      config.round_trips < 1 || config.warmup_round_trips < 0) {
    throw std::invalid_argument("ping-pong: repetitions must be 1.." +
                                std::to_string(kMaxPingPongRepetitions) +
                                " and round trips positive");
  }
  Run run(config);
  run.start();
  run.supervise();
  return run.result();
}

}  // namespace conc::os
