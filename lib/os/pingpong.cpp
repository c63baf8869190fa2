// The ping-pong switch timer (see pingpong.h for what it measures and why).
//
// Invariants of the shared State (one per run, in a MAP_SHARED mapping so that the same code
// serves two threads and two processes):
// - `turn` holds kTurnA, kTurnB or kStop. A side moves it from its own turn to the other's
//   with a compare-and-swap, so a kStop stored by the supervisor is never overwritten.
// - Side X writes only X's Record, X's `outcome` and X's `cpu`; the supervisor reads them
//   only after `finished` reached 2 (each side's last act is a release increment of it).
// - Boundary r of a Record is taken by A just before it passes round trip W + r·N, and by B
//   just before it awaits that same round trip: repetition r is [boundary r, boundary r+1)
//   on both sides, so their switch counts add up over the same round trips.

#include "os/pingpong.h"

#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "os/child.h"
#include "os/clock.h"
#include "os/futex.h"
#include "os/interrupt.h"
#include "os/pipe.h"
#include "os/shared_memory.h"
#include "os/thread.h"

namespace conc::os {

const char* to_string(Transport t) {
  return t == Transport::futex ? "futex" : "pipe";
}
const char* to_string(Partners p) {
  return p == Partners::threads ? "threads" : "processes";
}

bool switch_count_plausible(double switches_per_round_trip) {
  return switches_per_round_trip >= kMinSwitchesPerRoundTrip &&
         switches_per_round_trip <= kMaxSwitchesPerRoundTrip;
}

namespace {

constexpr std::uint32_t kTurnA = 0;
constexpr std::uint32_t kTurnB = 1;
constexpr std::uint32_t kStop = 2;
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

struct Record {
  std::int64_t wall_ns[kMaxPingPongRepetitions + 1];
  std::int64_t cpu_ns[kMaxPingPongRepetitions + 1];
  long switches[kMaxPingPongRepetitions + 1];
};

struct State {
  alignas(64) FutexWord turn;
  alignas(64) FutexWord finished;
  std::atomic<int> outcome_a, outcome_b;
  int cpu_a, cpu_b;
  Record a, b;
};

// Only raw calls below: side B may run in a child forked from a threaded process, and a side
// running on a thread must not throw.
void snapshot(Record& r, int index) {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  timespec cpu{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  timespec wall{};
  ::clock_gettime(CLOCK_MONOTONIC, &wall);
  r.switches[index] = ru.ru_nvcsw + ru.ru_nivcsw;
  r.cpu_ns[index] = static_cast<std::int64_t>(cpu.tv_sec) * 1'000'000'000 + cpu.tv_nsec;
  r.wall_ns[index] = static_cast<std::int64_t>(wall.tv_sec) * 1'000'000'000 + wall.tv_nsec;
}

bool pin_here(int cpu, int& seen) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) {
    return false;
  }
  seen = ::sched_getcpu();
  return seen == cpu;
}

// One side's end of the link: hands the token over, and waits for it to come back.
class Endpoint {
 public:
  Endpoint(State& state, Transport transport, FutexScope scope, std::uint32_t mine,
           std::uint32_t theirs, int in_fd, int out_fd)
      : state_(state),
        transport_(transport),
        scope_(scope),
        mine_(mine),
        theirs_(theirs),
        in_fd_(in_fd),
        out_fd_(out_fd) {}

  // false: stopped by the supervisor, or the pipe failed (io_failed() tells).
  bool pass() {
    if (transport_ == Transport::futex) {
      std::uint32_t expected = mine_;
      if (!state_.turn.compare_exchange_strong(expected, theirs_, std::memory_order_acq_rel)) {
        return false;  // kStop
      }
      futex_wake(state_.turn, 1, scope_);
      return true;
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
      while (true) {
        const std::uint32_t seen = state_.turn.load(std::memory_order_acquire);
        if (seen == mine_) {
          return true;
        }
        if (seen == kStop) {
          return false;
        }
        futex_wait(state_.turn, seen, scope_);
      }
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
  State& state_;
  Transport transport_;
  FutexScope scope_;
  std::uint32_t mine_, theirs_;
  int in_fd_, out_fd_;
  bool io_failed_ = false;
};

int run_initiator(State& s, const PingPongConfig& c, Endpoint& link) {
  if (!pin_here(c.cpu, s.cpu_a)) {
    return kPinFailed;
  }
  auto round_trip = [&] { return link.pass() && link.await(); };
  for (long i = 0; i < c.warmup_round_trips; ++i) {
    if (!round_trip()) {
      return link.io_failed() ? kIoFailed : kStopped;
    }
  }
  for (int r = 0; r < c.repetitions; ++r) {
    snapshot(s.a, r);
    for (long i = 0; i < c.round_trips; ++i) {
      if (!round_trip()) {
        return link.io_failed() ? kIoFailed : kStopped;
      }
    }
  }
  snapshot(s.a, c.repetitions);
  return kCompleted;
}

int run_responder(State& s, const PingPongConfig& c, Endpoint& link) {
  if (!pin_here(c.cpu, s.cpu_b)) {
    return kPinFailed;
  }
  const long total = c.warmup_round_trips + c.repetitions * c.round_trips;
  long next_boundary = c.warmup_round_trips;
  int boundary = 0;
  for (long i = 0; i < total; ++i) {
    if (i == next_boundary) {
      snapshot(s.b, boundary++);
      next_boundary += c.round_trips;
    }
    if (!link.await() || !link.pass()) {
      return link.io_failed() ? kIoFailed : kStopped;
    }
  }
  snapshot(s.b, c.repetitions);
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
    state_->turn.store(kTurnA);
    a_link_.emplace(*state_, c.transport, scope_, kTurnA, kTurnB, ba_.read_fd(), ab_.write_fd());
    b_link_.emplace(*state_, c.transport, scope_, kTurnB, kTurnA, ab_.read_fd(), ba_.write_fd());
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
    auto responder = [this, &s] {
      finish(s, s.outcome_b, run_responder(s, config_, *b_link_), scope_);
    };
    auto initiator = [this, &s] {
      finish(s, s.outcome_a, run_initiator(s, config_, *a_link_), scope_);
    };
    if (config_.partners == Partners::threads) {
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
    for (int r = 0; r < config_.repetitions; ++r) {
      const double wall = static_cast<double>(s.a.wall_ns[r + 1] - s.a.wall_ns[r]);
      const double cpu = static_cast<double>(s.a.cpu_ns[r + 1] - s.a.cpu_ns[r] + s.b.cpu_ns[r + 1] -
                                             s.b.cpu_ns[r]);
      const double switches = static_cast<double>(s.a.switches[r + 1] - s.a.switches[r] +
                                                  s.b.switches[r + 1] - s.b.switches[r]);
      const double n = static_cast<double>(config_.round_trips);
      out.reps.push_back({wall / n, switches / n, wall > 0 ? cpu / wall : 0});
    }
    return out;
  }

 private:
  template <typename Fn>
  void start_thread(Thread& t, Fn fn) {
    if (const int err = Thread::start(t, fn); err != 0) {
      throw std::system_error(err, std::generic_category(), "ping-pong thread");
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
    state_->turn.store(kStop, std::memory_order_release);
    futex_wake_all(state_->turn, scope_);
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

std::vector<double> PingPongResult::round_trip_ns() const {
  std::vector<double> v;
  for (const auto& r : reps) {
    v.push_back(r.round_trip_ns);
  }
  return v;
}

std::vector<double> PingPongResult::switches_per_round_trip() const {
  std::vector<double> v;
  for (const auto& r : reps) {
    v.push_back(r.switches_per_round_trip);
  }
  return v;
}

std::vector<double> PingPongResult::cpu_share() const {
  std::vector<double> v;
  for (const auto& r : reps) {
    v.push_back(r.cpu_share);
  }
  return v;
}

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
