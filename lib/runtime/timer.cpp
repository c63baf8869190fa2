// Timers and the monitor thread.
//
// Invariants:
//   - heap_ is a min-heap on (when, order), guarded by lock_;
//   - pending_ counts entries pushed and not yet fired; it is decremented only after the
//     fired action (ready or try_send) is done, so the deadlock detector, which reads pending_
//     before the run queues, can never see neither the timer nor the goroutine it readied;
//   - a sleeping goroutine's entry carries its wait seq: a stale entry (the goroutine was
//     cancelled meanwhile) loses claim_wake and does nothing.
#include "runtime/timer.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "runtime/chan.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

namespace {

constexpr std::int64_t kMonitorTickNs = 5'000'000;  // stall checks and idle pokes

bool later(const auto& a, const auto& b) {
  return a.when != b.when ? a.when > b.when : a.order > b.order;
}

}  // namespace

Timers::Timers(Scheduler* s) : sched_(s) {}

Timers::~Timers() {
  stop();
}

void Timers::start() {
  thread_ = std::thread([this] { loop(); });
}

void Timers::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stop_.store(true);
  wake_word_.fetch_add(1);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
  thread_.join();
}

void Timers::push(Entry e) {
  e.order = order_++;
  heap_.push_back(std::move(e));
  std::push_heap(heap_.begin(), heap_.end(), [](auto& a, auto& b) { return later(a, b); });
  pending_.fetch_add(1);
}

bool Timers::sleep(Fiber* g, std::int64_t deadline_ns) {
  lock_.lock();
  const std::uint64_t seq = begin_wait(g);
  push(Entry{deadline_ns, 0, g, seq, nullptr});
  const bool earliest = heap_.front().g == g;
  if (earliest) {
    wake_word_.fetch_add(1);
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
              nullptr, nullptr, 0);
  }
  return park(WaitReason::sleep, nullptr, &SpinLock::unlock_fn, &lock_) == Wake::normal;
}

void Timers::add_channel(std::int64_t deadline_ns, std::shared_ptr<ChanCore> c) {
  lock_.lock();
  push(Entry{deadline_ns, 0, nullptr, 0, std::move(c)});
  lock_.unlock();
  wake_word_.fetch_add(1);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
}

void Timers::fire(std::vector<Entry>& due, std::int64_t now) {
  for (Entry& e : due) {
    if (e.g != nullptr) {
      if (claim_wake(e.g, e.seq)) {
        sched_->ready_from_outside(e.g);
      }
    } else if (e.chan != nullptr) {
      const auto t = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now));
      e.chan->try_send_value(const_cast<std::chrono::steady_clock::time_point*>(&t));
    }
    if (pending_.fetch_sub(1) == 1) {
      sched_->recheck_deadlock();  // the last pending timer may have been all that was left
    }
  }
  due.clear();
}

void Timers::loop() {
  std::vector<Entry> due;
  std::vector<std::uint64_t> last_switches(sched_->workers.size(), 0);
  std::int64_t next_tick = sched_->now_ns() + kMonitorTickNs;
  while (!stop_.load()) {
    const std::uint32_t word = wake_word_.load();
    const std::int64_t now = sched_->now_ns();
    std::int64_t next = next_tick;
    lock_.lock();
    while (!heap_.empty() && heap_.front().when <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), [](auto& a, auto& b) { return later(a, b); });
      due.push_back(std::move(heap_.back()));
      heap_.pop_back();
    }
    if (!heap_.empty()) {
      next = std::min(next, heap_.front().when);
    }
    lock_.unlock();
    fire(due, now);
    if (now >= next_tick) {
      sched_->check_stalls(last_switches, kMonitorTickNs);
      sched_->poke_idle_if_work();
      sched_->recheck_deadlock();
      sched_->check_mutex_cycles();
      next_tick = now + kMonitorTickNs;
      next = std::min(next, next_tick);
    }
    const std::int64_t wait = std::max<std::int64_t>(next - sched_->now_ns(), 0);
    if (wait > 0) {
      timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                  static_cast<long>(wait % 1'000'000'000)};
      ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAIT_PRIVATE, word,
                &ts, nullptr, 0);
    }
  }
}

// A worker whose switch counter did not move for a whole tick has run one goroutine for at
// least that long. Reported once per stretch, when it passes Config::stall_threshold.
void Scheduler::check_stalls(std::vector<std::uint64_t>& last, std::int64_t tick_ns) {
  const std::int64_t threshold = std::chrono::nanoseconds(config.stall_threshold).count();
  for (auto& w : workers) {
    const auto i = static_cast<std::size_t>(w->index);
    const std::uint64_t switches = w->n_switches.load(std::memory_order_relaxed);
    const std::uint64_t g = w->current_id.load(std::memory_order_relaxed);
    if (switches != last[i] || g == 0) {
      last[i] = switches;
      w->stalled_ns = 0;
      continue;
    }
    const std::int64_t before = w->stalled_ns;
    w->stalled_ns += tick_ns;
    if (threshold > 0 && before < threshold && w->stalled_ns >= threshold) {
      std::lock_guard lock(result_mu);
      stalls.push_back(Stall{g, w->index, w->stalled_ns});
    }
  }
}

void Scheduler::poke_idle_if_work() {
  if (n_idle.load() == 0 || n_spinning.load() != 0) {
    return;
  }
  bool work = global_size.load() > 0;
  for (auto& w : workers) {
    work = work || w->runq.size() > 0 || w->runnext.load() != nullptr;
  }
  if (work) {
    wake_one();
  }
}

}  // namespace conc::rt::detail

namespace conc::rt {

void sleep_for(std::chrono::nanoseconds d) {
  detail::Fiber* g = detail::current_fiber_checked("sleep_for()");
  if (d.count() <= 0) {
    yield();
    return;
  }
  if (!g->sched->timers().sleep(g, g->sched->now_ns() + d.count())) {
    detail::throw_cancelled();
  }
}

}  // namespace conc::rt
