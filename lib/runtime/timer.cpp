// Timers and the monitor thread.
//
// Invariants:
//   - heap_ is a min-heap on (when, order), guarded by lock_;
//   - pending_ counts entries pushed and not yet fired; it is decremented only after the
//     fired action (ready or try_send) is done, so the deadlock detector, which reads pending_
//     before the run queues, can never see neither the timer nor the goroutine it readied;
//   - a sleeping goroutine's entry carries its wait seq: a stale entry (the goroutine was
//     cancelled meanwhile) loses claim_wake and does nothing;
//   - a stoppable timer's entry is live while its generation is the timer's and the timer is
//     armed (both under lock_); set() kills the live one and takes it out of pending_ at
//     once; dead entries stay in the heap until their deadline and are dropped uncounted;
//   - a channel timer's time is sent under lock_ as its entry is taken, so a stop() that
//     finds it disarmed and drains the channel leaves no stale value behind (Go 1.23).
#include "runtime/timer.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "runtime/chan.h"
#include "runtime/netpoller.h"
#include "runtime/panic.h"
#include "runtime/sched.h"
#include "runtime/time.h"

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
  push(Entry{deadline_ns, 0, g, seq, nullptr, nullptr, 0});
  const bool earliest = heap_.front().g == g;
  if (earliest) {
    wake_word_.fetch_add(1);
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
              nullptr, nullptr, 0);
  }
  return park(WaitReason::sleep, nullptr, &SpinLock::unlock_fn, &lock_) == Wake::normal;
}

void Timers::wake_at(std::int64_t deadline_ns, Fiber* g, std::uint64_t seq) {
  lock_.lock();
  push(Entry{deadline_ns, 0, g, seq, nullptr, nullptr, 0});
  const bool earliest = heap_.front().g == g;
  lock_.unlock();
  if (earliest) {
    wake_word_.fetch_add(1);
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
              nullptr, nullptr, 0);
  }
}

void Timers::add_channel(std::int64_t deadline_ns, std::shared_ptr<ChanCore> c) {
  lock_.lock();
  push(Entry{deadline_ns, 0, nullptr, 0, std::move(c), nullptr, 0});
  lock_.unlock();
  wake_word_.fetch_add(1);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
}

bool Timers::set(const std::shared_ptr<TimerCore>& t, std::int64_t deadline_ns, bool arm) {
  lock_.lock();
  const bool was = t->armed;
  ++t->generation;
  t->armed = arm;
  if (arm) {
    push(Entry{deadline_ns, 0, nullptr, 0, nullptr, t, t->generation});
  }
  if (was) {
    pending_.fetch_sub(1);  // after the push: the count never dips while re-arming
  }
  lock_.unlock();
  if (arm) {
    wake_word_.fetch_add(1);
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_word_), FUTEX_WAKE_PRIVATE, 1,
              nullptr, nullptr, 0);
  }
  return was;
}

// lock_ held, e due: false if e is a dead arming of a stoppable timer (drop it, uncounted).
// A live channel timer's time is sent here, under lock_ (see the invariants).
bool Timers::take_due(Entry& e, std::int64_t now) {
  if (e.timer == nullptr) {
    return true;
  }
  TimerCore& t = *e.timer;
  if (e.generation != t.generation || !t.armed) {
    return false;
  }
  t.armed = false;
  if (t.chan != nullptr) {
    auto time = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now));
    t.chan->try_send_value(&time);
  }
  return true;
}

namespace {
// The goroutine an after_func timer starts.
struct RunTimerFn {
  std::shared_ptr<TimerCore> timer;
  void operator()() const { timer->fn(); }
};
constexpr TaskOps kRunTimerFnOps{
    sizeof(RunTimerFn), alignof(RunTimerFn), [](void* p) { (*static_cast<RunTimerFn*>(p))(); },
    [](void* p) { static_cast<RunTimerFn*>(p)->~RunTimerFn(); },
    [](void* dst, void* src) {
      ::new (dst) RunTimerFn(std::move(*static_cast<RunTimerFn*>(src)));
    }};
}  // namespace

void Timers::fire(std::vector<Entry>& due, std::int64_t now) {
  for (Entry& e : due) {
    if (e.timer != nullptr && e.timer->fn) {
      RunTimerFn run{e.timer};
      sched_->spawn_from_outside(&kRunTimerFnOps, &run, e.timer->file, e.timer->line);
    } else if (e.g != nullptr) {
      if (claim_wake(e.g, e.seq)) {
        sched_->ready_from_outside(e.g);
      }
    } else if (e.chan != nullptr) {  // after(d)
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
      if (take_due(heap_.back(), now)) {
        due.push_back(std::move(heap_.back()));
      }
      heap_.pop_back();
    }
    if (!heap_.empty()) {
      next = std::min(next, heap_.front().when);
    }
    lock_.unlock();
    fire(due, now);
    if (now >= next_tick) {
      sched_->check_stalls(last_switches, kMonitorTickNs);
      sched_->netpoller().poll_from_monitor();
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
  if (n_idle_.load() == 0 || n_spinning_.load() != 0) {
    return;
  }
  bool work = global_size_.load() > 0;
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

namespace {

// The time a stoppable channel timer sent and nobody received yet: Go 1.23 drops it at stop()
// and reset(). Returns whether there was one.
bool drain(const Chan<Time>& c) {
  return c.core() != nullptr && c.try_recv().status == ChanStatus::ok;
}

detail::Timers& timers_of_caller(const char* what) {
  return detail::current_fiber_checked(what)->sched->timers();
}

std::int64_t deadline_after(std::chrono::nanoseconds d) {
  detail::Fiber* g = detail::current_fiber_checked("a timer");
  return g->sched->now_ns() + std::max<std::int64_t>(d.count(), 0);
}

}  // namespace

bool Timer::stop() {
  if (core_ == nullptr) {
    throw Panic("time: Stop called on uninitialized Timer");
  }
  const bool was_armed = timers_of_caller("Timer::stop").set(core_, 0, false);
  const bool drained = drain(chan_);
  return was_armed || drained;
}

bool Timer::reset(std::chrono::nanoseconds d) {
  if (core_ == nullptr) {
    throw Panic("time: Reset called on uninitialized Timer");
  }
  detail::Timers& timers = timers_of_caller("Timer::reset");
  const bool was_armed = timers.set(core_, 0, false);
  const bool drained = drain(chan_);
  timers.set(core_, deadline_after(d), true);
  return was_armed || drained;
}

Timer new_timer(std::chrono::nanoseconds d, SourceLocation where) {
  Timer t;
  t.chan_ = Chan<Time>(1, where);
  t.core_ = std::make_shared<detail::TimerCore>();
  t.core_->chan = t.chan_.shared_core();
  t.core_->file = where.file_name();
  t.core_->line = where.line();
  timers_of_caller("new_timer()").set(t.core_, deadline_after(d), true);
  return t;
}

Timer after_func(std::chrono::nanoseconds d, std::function<void()> f, SourceLocation where) {
  Timer t;
  t.core_ = std::make_shared<detail::TimerCore>();
  t.core_->fn = std::move(f);
  t.core_->file = where.file_name();
  t.core_->line = where.line();
  timers_of_caller("after_func()").set(t.core_, deadline_after(d), true);
  return t;
}

}  // namespace conc::rt
