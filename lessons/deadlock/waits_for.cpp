// Lesson `deadlock`: the recorded locks, the wait-for cycle search and the watchdog. Every
// wait is a series of short timed attempts, so no thread of the lesson can hang: once the
// watchdog says give up, each waiting thread leaves within one attempt and drops its locks.

#include <fmt/format.h>

#include <thread>

#include "lessons/common/lesson.h"
#include "lessons/deadlock/deadlock.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"

namespace conc::lessons::deadlock {

namespace {
constexpr auto kAttempt = std::chrono::milliseconds(5);
constexpr auto kPoll = std::chrono::milliseconds(5);

double ms_since(std::int64_t start_ns) {
  return static_cast<double>(os::monotonic_ns() - start_ns) * 1e-6;
}
}  // namespace

std::vector<int> find_cycle(const std::vector<int>& holder, const std::vector<int>& waiting) {
  const int n = static_cast<int>(waiting.size());
  // Each thread waits for at most one lock, held by at most one thread: the graph is a set of
  // chains, and a cycle is found by walking from each thread at most n steps.
  for (int start = 0; start < n; ++start) {
    std::vector<int> path;
    std::vector<bool> seen(static_cast<std::size_t>(n), false);
    int t = start;
    while (t >= 0 && !seen[static_cast<std::size_t>(t)]) {
      seen[static_cast<std::size_t>(t)] = true;
      path.push_back(t);
      const int lock = waiting[static_cast<std::size_t>(t)];
      t = lock >= 0 && lock < static_cast<int>(holder.size())
              ? holder[static_cast<std::size_t>(lock)]
              : -1;
    }
    if (t == start) {
      return path;
    }
  }
  return {};
}

WatchedLocks::WatchedLocks(int locks, int threads)
    : locks_(std::make_unique<std::timed_mutex[]>(static_cast<std::size_t>(locks))),
      holder_(static_cast<std::size_t>(locks), -1),
      waiting_(static_cast<std::size_t>(threads), -1) {}

bool WatchedLocks::acquire(int thread, int lock) {
  {
    const std::lock_guard g(meta_);
    waiting_[static_cast<std::size_t>(thread)] = lock;
  }
  while (!locks_[static_cast<std::size_t>(lock)].try_lock_for(kAttempt)) {
    if (giving_up()) {
      const std::lock_guard g(meta_);
      waiting_[static_cast<std::size_t>(thread)] = -1;
      return false;
    }
  }
  const std::lock_guard g(meta_);
  waiting_[static_cast<std::size_t>(thread)] = -1;
  holder_[static_cast<std::size_t>(lock)] = thread;
  acquisitions_.fetch_add(1);
  return true;
}

bool WatchedLocks::try_acquire(int thread, int lock) {
  if (!locks_[static_cast<std::size_t>(lock)].try_lock()) {
    return false;
  }
  const std::lock_guard g(meta_);
  holder_[static_cast<std::size_t>(lock)] = thread;
  acquisitions_.fetch_add(1);
  return true;
}

void WatchedLocks::acquire_both(int thread, int first, int second) {
  std::lock(locks_[static_cast<std::size_t>(first)], locks_[static_cast<std::size_t>(second)]);
  const std::lock_guard g(meta_);
  holder_[static_cast<std::size_t>(first)] = thread;
  holder_[static_cast<std::size_t>(second)] = thread;
  acquisitions_.fetch_add(2);
}

void WatchedLocks::release(int /*thread*/, int lock) {
  {
    const std::lock_guard g(meta_);
    holder_[static_cast<std::size_t>(lock)] = -1;
  }
  locks_[static_cast<std::size_t>(lock)].unlock();
}

void WatchedLocks::release_all(int thread) {
  for (std::size_t l = 0; l < holder_.size(); ++l) {
    bool mine = false;
    {
      const std::lock_guard g(meta_);
      mine = holder_[l] == thread;
    }
    if (mine) {
      release(thread, static_cast<int>(l));
    }
  }
}

std::vector<int> WatchedLocks::cycle(std::vector<int>* waits_for) const {
  const std::lock_guard g(meta_);
  auto c = find_cycle(holder_, waiting_);
  if (waits_for != nullptr) {
    waits_for->clear();
    for (const int t : c) {
      waits_for->push_back(waiting_[static_cast<std::size_t>(t)]);
    }
  }
  return c;
}

namespace {

// The watchdog loop on the calling thread, until every thread is done.
void watch(WatchedLocks& locks, const std::atomic<int>& done, int threads,
           std::chrono::milliseconds bound, std::int64_t start, Watch& w) {
  std::int64_t last_acquisitions = -1;
  std::int64_t still_since = 0;
  while (done.load() < threads) {
    std::this_thread::sleep_for(kPoll);
    if (os::interrupted()) {
      locks.give_up();  // the caller rethrows once every thread is joined
    }
    if (ms_since(start) > static_cast<double>(bound.count())) {
      locks.give_up();
    }
    if (locks.giving_up()) {
      continue;
    }
    std::vector<int> waits_for;
    auto cycle = locks.cycle(&waits_for);
    const auto now_acquisitions = locks.acquisitions();
    if (cycle.empty() || now_acquisitions != last_acquisitions) {
      last_acquisitions = now_acquisitions;
      still_since = os::monotonic_ns();
      continue;
    }
    if (ms_since(still_since) >= static_cast<double>(kConfirm.count())) {
      w.cycle = std::move(cycle);
      w.waits_for = std::move(waits_for);
      w.detect_ms = ms_since(start);
      locks.give_up();
    }
  }
}

}  // namespace

Watch run_watched(int threads, int locks, std::chrono::milliseconds bound,
                  const std::function<void(int, WatchedLocks&)>& body) {
  WatchedLocks watched(locks, threads);
  std::atomic<int> done{0};
  std::vector<std::thread> team;
  Watch w;
  const auto start = os::monotonic_ns();
  for (int t = 0; t < threads; ++t) {
    try {
      team.emplace_back([&, t] {
        body(t, watched);
        watched.release_all(t);
        done.fetch_add(1);
      });
    } catch (const std::system_error&) {
      watched.give_up();
      done.fetch_add(threads - t);  // those never started count as done
      break;
    }
  }
  watch(watched, done, threads, bound, start, w);
  for (auto& t : team) {
    t.join();
  }
  w.end_ms = ms_since(start);
  w.completed = !watched.giving_up();
  LessonContext::check_interrupted();
  return w;
}

std::string describe_cycle(const Watch& w, const std::vector<std::string>& thread_names,
                           const std::vector<std::string>& lock_names) {
  std::string out;
  const std::size_t n = w.cycle.size();
  for (std::size_t i = 0; i < n; ++i) {
    // What thread i holds is what the one before it in the cycle waits for.
    const int held = w.waits_for[(i + n - 1) % n];
    const int waits = w.waits_for[i];
    out += fmt::format("{}{} holds {}, waits for {}", i == 0 ? "" : "; ",
                       thread_names.at(static_cast<std::size_t>(w.cycle[i])),
                       lock_names.at(static_cast<std::size_t>(held)),
                       lock_names.at(static_cast<std::size_t>(waits)));
  }
  return out;
}

}  // namespace conc::lessons::deadlock
