// Work stealing, and the rest of a worker's search for work (find_work): the thieves
// (steal, steal_from), then sleeping on a futex when there is nothing to steal, and the wakers
// that end that sleep (maybe_wake, wake_one, wake_all). One file, because one invariant (the
// spinning count below) ties the thieves to the wakers. Design points 3 and 4 in scheduler.cpp.
//
// Invariants:
//   - a worker is in `idle_` (under idle_mu_) from the moment it decides to sleep until a waker
//     takes it out (wake_one, wake_all, recheck_deadlock) or it takes itself out (leave_idle);
//     n_idle_ == idle_.size() whenever idle_mu_ is free;
//   - the waker takes the sleeper out of `idle_` before it writes the sleeper's futex word, so a
//     worker is woken at most once per sleep, and the word says why;
//   - n_spinning_ counts workers looking for work, a woken worker included (its waker counted
//     it); a spinner that stops decrements it before re-checking every queue, and a producer
//     publishes its work before reading n_spinning_ (both seq_cst): one of them sees the other.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/netpoller.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

namespace {

constexpr int kStealRounds = 4;
constexpr int kStaleSpins = 2000;  // pauses a thief waits before taking a victim's runnext

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
            nullptr, nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>* word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

// The worker's xorshift generator (as random_below() in sched.h): where a thief starts looking.
std::uint64_t next_random(Worker* w) {
  w->rng ^= w->rng << 13;
  w->rng ^= w->rng >> 7;
  w->rng ^= w->rng << 17;
  return w->rng;
}

}  // namespace

void Scheduler::maybe_wake() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the spinner's re-check
  if (n_spinning_.load(std::memory_order_relaxed) == 0 &&
      n_idle_.load(std::memory_order_relaxed) > 0) {
    wake_one();
  }
}

void Scheduler::wake_one() {
  int expected = 0;
  if (!n_spinning_.compare_exchange_strong(expected, 1)) {
    return;  // someone is already looking for work
  }
  Worker* v = nullptr;
  {
    std::lock_guard lock(idle_mu_);
    if (!idle_.empty()) {
      v = idle_.back();
      idle_.pop_back();
      n_idle_.fetch_sub(1);
    }
  }
  if (v == nullptr) {
    n_spinning_.fetch_sub(1);
    return;
  }
  v->futex_word.store(kWokeSpinning, std::memory_order_seq_cst);
  wake_worker(v);
}

// After the waker wrote v's futex word: v sleeps on it, or blocks in epoll_wait (netpoller.h).
void Scheduler::wake_worker(Worker* v) {
  futex_wake(&v->futex_word);
  netpoller_->interrupt_if_blocking(v);
}

void Scheduler::wake_all() {
  std::lock_guard lock(idle_mu_);
  for (Worker* v : idle_) {
    v->futex_word.store(kWokeStop, std::memory_order_seq_cst);
    wake_worker(v);
  }
  n_idle_.fetch_sub(static_cast<int>(idle_.size()));
  idle_.clear();
}

namespace {

// A thief's attempt on one victim: half its ring, or its runnext if the victim has not
// switched during a short wait (a goroutine that readied it and keeps running).
bool victim_is_stuck(Worker* victim) {
  const std::uint64_t before = victim->n_switches.load(std::memory_order_relaxed);
  for (int i = 0; i < kStaleSpins; ++i) {
    cpu_relax();
  }
  return victim->n_switches.load(std::memory_order_relaxed) == before;
}

// A lone queued goroutine on a worker that keeps switching is about to run there: taking it
// would turn its handoffs into cross-CPU wake-ups. Thieves take it only from a stuck worker.
Fiber* steal_from(Worker* thief, Worker* victim, bool take_runnext) {
  const std::uint32_t queued = victim->runq.size();
  if ((queued >= kWakeBacklog || (queued == 1 && take_runnext && victim_is_stuck(victim))) &&
      victim->runq.steal_into(thief->runq) > 0) {
    thief->n_steals.store(thief->n_steals.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    return thief->runq.pop();
  }
  if (!take_runnext || victim->runnext.load(std::memory_order_relaxed) == nullptr) {
    return nullptr;
  }
  if (!victim_is_stuck(victim)) {
    return nullptr;  // the victim is switching: its runnext is a handoff, leave it
  }
  Fiber* g = victim->runnext.load(std::memory_order_acquire);
  if (g != nullptr && victim->runnext.compare_exchange_strong(g, nullptr)) {
    thief->n_steals.store(thief->n_steals.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    return g;
  }
  return nullptr;
}

}  // namespace

Fiber* Scheduler::find_work(Worker* w) {
  for (;;) {
    if (stopping_.load(std::memory_order_acquire)) {
      return nullptr;
    }
    if (Fiber* g = pick_local(w)) {
      if (w->woken_spinning) {
        stop_spinning(w);
      }
      return g;
    }
    if (!w->woken_spinning && workers.size() > 1) {
      const int busy = static_cast<int>(workers.size()) - n_idle_.load();
      if (2 * n_spinning_.load() < busy) {
        n_spinning_.fetch_add(1);
        w->woken_spinning = true;
      }
    }
    if (w->woken_spinning) {
      if (Fiber* g = steal(w)) {
        stop_spinning(w);
        return g;
      }
    }
    if (netpoller_->waiters() > 0 && netpoller_->poll_from_worker(w)) {
      continue;  // descriptors were ready: their goroutines are in our ring now
    }
    if (Fiber* g = sleep(w)) {
      return g;
    }
  }
}

Fiber* Scheduler::steal(Worker* w) {
  const std::size_t n = workers.size();
  for (int round = 0; round < kStealRounds; ++round) {
    const std::size_t start = next_random(w) % n;
    for (std::size_t i = 0; i < n; ++i) {
      Worker* victim = workers[(start + i) % n].get();
      if (victim == w) {
        continue;
      }
      if (Fiber* g = steal_from(w, victim, round == kStealRounds - 1)) {
        if (config.trace) [[unlikely]] {
          trace(w, EventKind::steal, g->id, static_cast<std::uint64_t>(victim->index));
        }
        return g;
      }
    }
    if (Fiber* g = pop_global(w)) {
      return g;
    }
  }
  return nullptr;
}

void Scheduler::stop_spinning(Worker* w) {
  w->woken_spinning = false;
  if (n_spinning_.fetch_sub(1) == 1) {
    maybe_wake();  // we were the last one looking: there may be more work for a sleeper
  }
}

// Work a thief would take: the same rule as steal_from() (a backlog), or it would spin on a
// lone goroutine it refuses to take, pulling the busy worker's cache lines all the while.
bool Scheduler::any_work_visible() {
  if (global_size_.load() > 0) {
    return true;
  }
  for (auto& v : workers) {
    if (v->runq.size() >= kWakeBacklog) {
      return true;
    }
  }
  return false;
}

// Registers w as idle and sleeps until woken. The waker says why through the futex word:
// kWokeSpinning (it counted us in n_spinning_: look for work), kWokeStop (stop or re-check),
// kWokeDeadlock (the monitor found a deadlock for us to handle).
Fiber* Scheduler::sleep(Worker* w) {
  if (!w->compact_pending.empty() && !shutting_down()) [[unlikely]] {
    compact_pending(w);  // nothing else to do: compact what parked here since the last batch
  }
  if (w->woken_spinning) {
    w->woken_spinning = false;
    n_spinning_.fetch_sub(1);  // seq_cst: pairs with maybe_wake()'s fence
  }
  bool deadlock = false;
  bool sweep = false;
  bool readied = false;
  {
    std::lock_guard lock(idle_mu_);
    if (stopping_.load() || global_size_.load() > 0) {
      return nullptr;  // find_work() looks again
    }
    w->futex_word.store(kAsleep, std::memory_order_relaxed);
    idle_.push_back(w);
    n_idle_.fetch_add(1);
    deadlock = detect_deadlock_locked();
    sweep = shutting_down() && n_idle_.load() == static_cast<int>(workers.size());
  }
  if (sweep) {
    readied = sweep_ended();  // the program has ended and nothing runs: reclaim or unwind
  }
  std::uint32_t why = kWokeStop;
  if (deadlock || readied || any_work_visible()) {
    if (!leave_idle(w)) {
      why = wait_for_wake(w);  // someone already took us off the list to wake us: consume it
    }
  } else {
    why = wait_for_wake(w);
  }
  w->woken_spinning = why == kWokeSpinning;
  if (deadlock || why == kWokeDeadlock) {
    handle_deadlock(w);
  }
  return nullptr;
}

bool Scheduler::leave_idle(Worker* w) {
  std::lock_guard lock(idle_mu_);
  for (std::size_t i = 0; i < idle_.size(); ++i) {
    if (idle_[i] == w) {
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
      n_idle_.fetch_sub(1);
      return true;
    }
  }
  return false;
}

std::uint32_t Scheduler::wait_for_wake(Worker* w) {
  w->n_parks.store(w->n_parks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::uint32_t why;
  while ((why = w->futex_word.load(std::memory_order_acquire)) == kAsleep) {
    switch (netpoller_->block(w)) {
      case Netpoller::Blocked::not_blocker:
        futex_wait(&w->futex_word, kAsleep);
        break;
      case Netpoller::Blocked::readied:
        if (leave_idle(w)) {
          return kWokeStop;  // run what the descriptors readied ourselves: look again
        }
        break;  // a waker took us off the idle list: its word is on its way
      case Netpoller::Blocked::interrupted:
        break;
    }
  }
  return why;
}

}  // namespace conc::rt::detail
