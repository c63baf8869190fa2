// Lesson `locking`: the counter variants, each run for a fixed time on N threads. A timer
// thread raises a stop flag; the workers read it once per increment (a shared line that is
// only read, so it stays in every cache and costs next to nothing).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "lessons/common/thread_team.h"
#include "lessons/locking/locking.h"
#include "os/sys/clock.h"

namespace conc::lessons::locking {

namespace {

constexpr std::size_t kCacheLine = 64;
struct alignas(kCacheLine) PaddedSlot {
  std::atomic<std::int64_t> value{0};
};
struct PlainSlot {
  std::atomic<std::int64_t> value{0};  // 8 bytes: eight threads' slots share one cache line
};

// A test-and-test-and-set spinlock that never sleeps: a waiter burns its CPU until the holder
// lets go (if the holder was preempted, until the scheduler runs it again).
class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
    }
  }
  void unlock() {
    locked_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> locked_{false};
};

// The arithmetic that stands for real work; `steps` iterations.
void arithmetic(int steps) {
  volatile std::uint64_t x = 1;
  for (int i = 0; i < steps; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
}

// How long the window waits for every worker to enter its loop.
constexpr auto kStartBound = std::chrono::seconds(2);

struct Shared {
  std::mutex mutex;
  SpinLock spin;
  std::atomic<std::int64_t> counter{0};
  std::int64_t plain = 0;  // guarded by mutex or spin
  std::unique_ptr<PaddedSlot[]> padded;
  std::unique_ptr<PlainSlot[]> unpadded;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};  // workers that have entered their loop
};

template <typename Lock>
std::int64_t locked_loop(Shared& s, Lock& lock, const WorkSpec& w) {
  std::int64_t n = 0;
  while (!s.stop.load(std::memory_order_relaxed)) {
    arithmetic(w.outside_steps);
    {
      const std::lock_guard guard(lock);
      arithmetic(w.inside_steps);
      ++s.plain;
    }
    ++n;
  }
  return n;
}

std::int64_t slot_loop(Shared& s, std::atomic<std::int64_t>& slot) {
  std::int64_t n = 0;
  while (!s.stop.load(std::memory_order_relaxed)) {
    slot.store(slot.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    ++n;
  }
  return n;
}

std::int64_t loop(Variant v, Shared& s, int t, const WorkSpec& w) {
  std::int64_t n = 0;
  switch (v) {
    case Variant::mutex:
      return locked_loop(s, s.mutex, w);
    case Variant::spinlock:
      return locked_loop(s, s.spin, w);
    case Variant::atomic_add:
      for (; !s.stop.load(std::memory_order_relaxed); ++n) {
        s.counter.fetch_add(1, std::memory_order_relaxed);
      }
      return n;
    case Variant::sharded_padded:
      return slot_loop(s, s.padded[static_cast<std::size_t>(t)].value);
    case Variant::sharded_unpadded:
      return slot_loop(s, s.unpadded[static_cast<std::size_t>(t)].value);
    case Variant::racy:
      return slot_loop(s, s.counter);
  }
  return n;
}

}  // namespace

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::mutex:
      return "mutex";
    case Variant::spinlock:
      return "spinlock";
    case Variant::atomic_add:
      return "atomic fetch_add";
    case Variant::sharded_padded:
      return "sharded, padded";
    case Variant::sharded_unpadded:
      return "sharded, unpadded";
    case Variant::racy:
      return "racy (wrong)";
  }
  return "?";
}

Cell run_cell(Variant v, int threads, double seconds, const WorkSpec& work) {
  Shared s;
  s.padded = std::make_unique<PaddedSlot[]>(static_cast<std::size_t>(threads));
  s.unpadded = std::make_unique<PlainSlot[]>(static_cast<std::size_t>(threads));
  std::atomic<std::int64_t> total{0};
  // The window opens when every worker has entered its loop, not when the timer starts:
  // creating the team can take longer than a whole window on a busy machine, and a window
  // that closed before the workers ran would measure nothing. The wait is bounded, so a
  // worker that never gets a CPU cannot hang the lesson.
  std::thread timer([&] {
    const auto give_up = std::chrono::steady_clock::now() + kStartBound;
    while (s.running.load() < threads && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    s.stop.store(true, std::memory_order_relaxed);
  });
  const auto team = run_team(threads, -1, [&](int t) {
    s.running.fetch_add(1);
    total.fetch_add(loop(v, s, t, work), std::memory_order_relaxed);
  });
  timer.join();
  return {v, team.started, team.seconds > 0 ? static_cast<double>(total.load()) / team.seconds : 0};
}

int steps_for_ns(double ns) {
  constexpr int kProbe = 200'000;
  const auto start = os::monotonic_ns();
  arithmetic(kProbe);
  const double per_step = static_cast<double>(os::monotonic_ns() - start) / kProbe;
  return std::max(1, static_cast<int>(ns / std::max(per_step, 0.01)));
}

}  // namespace conc::lessons::locking
