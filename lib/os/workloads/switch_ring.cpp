#include "os/workloads/switch_ring.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "os/sys/affinity.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "os/sys/shared_memory.h"
#include "os/sys/thread.h"

namespace conc::os {

namespace {

constexpr char kToken = 'T';
constexpr char kStop = 'S';
constexpr long long kSupervisorPollNs = 1'000'000;
constexpr int kOverheadBatches = 5;

// Where the touches' sums go, so that the compiler keeps the reads.
std::atomic<std::uint64_t> g_sink{0};

enum RingState : int { kRunning = 0, kDone = 1, kFailed = 2 };

struct RingShared {
  std::atomic<int> state;
  std::atomic<int> on_cpu;
  double hop_ns[kMaxRingRepetitions];
};

bool read_byte(int fd, char& b) {
  for (;;) {
    const ssize_t n = ::read(fd, &b, 1);
    if (n == 1) {
      return true;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return false;
  }
}

bool write_byte(int fd, char b) {
  for (;;) {
    const ssize_t n = ::write(fd, &b, 1);
    if (n == 1) {
      return true;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return false;
  }
}

std::vector<std::uint64_t> make_working_set(std::size_t bytes) {
  return std::vector<std::uint64_t>(std::max<std::size_t>(bytes / sizeof(std::uint64_t), 1), 1);
}

// Members 1..N−1: wait for the token, touch the working set, pass it on; a stop byte ends.
void run_member(int in_fd, int out_fd, std::size_t working_set_bytes) {
  const auto words = make_working_set(working_set_bytes);
  char b = 0;
  while (read_byte(in_fd, b) && b == kToken) {
    g_sink.fetch_add(touch_working_set(words), std::memory_order_relaxed);
    if (!write_byte(out_fd, b)) {
      return;
    }
  }
}

// Member 0 sends the token round the ring and times it; it reports through shared memory.
void run_timer(const RingConfig& c, int in_fd, int out_fd, RingShared& shared) {
  shared.on_cpu.store(current_cpu() == c.cpu ? 1 : 0);
  const auto words = make_working_set(c.working_set_bytes);
  auto lap = [&] {
    char b = kToken;
    if (!write_byte(out_fd, b) || !read_byte(in_fd, b) || b != kToken) {
      return false;
    }
    g_sink.fetch_add(touch_working_set(words), std::memory_order_relaxed);
    return true;
  };
  for (long l = 0; l < c.warmup_laps; ++l) {
    if (!lap()) {
      shared.state.store(kFailed);
      return;
    }
  }
  for (int r = 0; r < c.repetitions; ++r) {
    const std::int64_t t0 = monotonic_ns();
    for (long l = 0; l < c.laps; ++l) {
      if (!lap()) {
        shared.state.store(kFailed);
        return;
      }
    }
    shared.hop_ns[r] =
        static_cast<double>(monotonic_ns() - t0) / static_cast<double>(c.laps * c.members);
  }
  shared.state.store(kDone);
}

// The ring's tasks and pipes; the destructor stops every member (a stop byte in every pipe)
// and joins the threads or kills and reaps the children, on every path.
class Ring {
 public:
  explicit Ring(const RingConfig& c) : config_(c) {
    for (int i = 0; i < c.members; ++i) {
      pipes_.push_back(std::make_unique<Pipe>());
    }
    children_.reserve(static_cast<std::size_t>(c.members));
    threads_.reserve(static_cast<std::size_t>(c.members));
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    for (auto& p : pipes_) {
      (void)write_byte(p->write_fd(), kStop);
    }
    threads_.clear();
    children_.clear();
  }

  // Members N−1 .. 1 first, so that each is waiting when the token comes; member 0 last.
  void start(RingShared& shared) {
    for (int i = config_.members - 1; i >= 0; --i) {
      const int in_fd = pipes_[static_cast<std::size_t>(i)]->read_fd();
      const int out_fd = pipes_[static_cast<std::size_t>((i + 1) % config_.members)]->write_fd();
      const RingConfig c = config_;
      auto body = [c, i, in_fd, out_fd, &shared] {
        if (i == 0) {
          run_timer(c, in_fd, out_fd, shared);
        } else {
          run_member(in_fd, out_fd, c.working_set_bytes);
        }
      };
      spawn(body);
    }
  }

 private:
  template <typename Body>
  void spawn(Body body) {
    if (config_.partners == Partners::processes) {
      const int cpu = config_.cpu;
      children_.push_back(ChildProcess::spawn([body, cpu] {
        if (!pin_self_nothrow(cpu)) {
          return 1;
        }
        body();
        return 0;
      }));
      return;
    }
    Thread t;
    const int err = Thread::start(t, body, {0, config_.cpu});
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "starting a ring thread");
    }
    threads_.push_back(std::move(t));
  }

  RingConfig config_;
  std::vector<std::unique_ptr<Pipe>> pipes_;
  // Declared after the pipes: stopped, joined and reaped while the pipes still exist.
  std::vector<ChildProcess> children_;
  std::vector<Thread> threads_;
};

void validate(const RingConfig& c) {
  if (c.members < 2 || c.members > kMaxRingMembers || c.repetitions < 1 ||
      c.repetitions > kMaxRingRepetitions || c.laps < 1 || c.warmup_laps < 0) {
    throw std::invalid_argument("ring: members 2..64, repetitions 1..64, laps >= 1");
  }
}

}  // namespace

std::uint64_t touch_working_set(const std::vector<std::uint64_t>& words) {
  std::uint64_t sum = 0;
  for (const std::uint64_t w : words) {
    sum += w;
  }
  return sum;
}

RingResult run_ring(const RingConfig& config) {
  validate(config);
  Shared<RingShared> shared;
  const std::int64_t deadline =
      monotonic_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(config.timeout).count();
  {
    Ring ring(config);
    ring.start(*shared);
    while (shared->state.load() == kRunning) {
      throw_if_interrupted();
      if (monotonic_ns() > deadline) {
        throw std::runtime_error("ring: the token did not come round before the deadline");
      }
      sleep_interruptible(kSupervisorPollNs);
    }
  }
  if (shared->state.load() != kDone) {
    throw std::runtime_error("ring: a member failed to pass the token");
  }
  RingResult result;
  result.config = config;
  result.on_cpu = shared->on_cpu.load() == 1;
  result.hop_ns.assign(shared->hop_ns, shared->hop_ns + config.repetitions);
  return result;
}

std::vector<double> ring_overhead_ns(int cpu, std::size_t working_set_bytes, long hops,
                                     int repetitions) {
  std::vector<double> out;
  std::exception_ptr failure;
  Thread t;
  const int err = Thread::start(
      t,
      [&] {
        try {
          Pipe pipe;
          const auto words = make_working_set(working_set_bytes);
          const long batch = std::max(1L, hops / kOverheadBatches);
          for (int r = 0; r < repetitions; ++r) {
            double best = 0;
            for (int b = 0; b < kOverheadBatches; ++b) {
              const std::int64_t t0 = monotonic_ns();
              for (long h = 0; h < batch; ++h) {
                char c = kToken;
                if (!write_byte(pipe.write_fd(), c) || !read_byte(pipe.read_fd(), c)) {
                  throw std::runtime_error("ring overhead: pipe failed");
                }
                g_sink.fetch_add(touch_working_set(words), std::memory_order_relaxed);
              }
              const double per_hop =
                  static_cast<double>(monotonic_ns() - t0) / static_cast<double>(batch);
              best = b == 0 ? per_hop : std::min(best, per_hop);
            }
            out.push_back(best);
          }
        } catch (...) {
          failure = std::current_exception();
        }
      },
      {0, cpu});
  if (err != 0) {
    throw std::system_error(err, std::generic_category(), "starting the overhead thread");
  }
  t.join();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return out;
}

}  // namespace conc::os
