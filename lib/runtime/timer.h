#pragma once
// Internal: the timer heap behind sleep_for(), after() and the stoppable timers of time.h, and
// the monitor thread that fires timers and watches for stalled goroutines (a small cousin of
// Go's sysmon).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/spinlock.h"

namespace conc::rt::detail {

class Scheduler;
class ChanCore;
struct Fiber;

// A stoppable timer (time.h), shared by its Timer handles and its heap entry.
struct TimerCore {
  std::shared_ptr<ChanCore> chan;  // new_timer: receives the time
  std::function<void()> fn;        // after_func: runs in a goroutine of its own
  const char* file = "";           // where the timer was made: its goroutines' "created at"
  std::uint32_t line = 0;
  // Guarded by Timers::lock_.
  std::uint64_t generation = 0;  // bumped by every set(): heap entries of older ones are dead
  bool armed = false;            // an entry of this generation waits in the heap
};

class Timers {
 public:
  explicit Timers(Scheduler* s);
  ~Timers();
  void start();
  void stop();

  // Parks the calling goroutine g until deadline (steady clock ns). Returns false if it was
  // cancelled instead (the program is ending).
  bool sleep(Fiber* g, std::int64_t deadline_ns);
  // At deadline, wake g if its wait numbered seq is still unclaimed (an I/O deadline: the
  // goroutine parked itself; whoever claims the wake first readies it).
  void wake_at(std::int64_t deadline_ns, Fiber* g, std::uint64_t seq);
  // At deadline, try_send the current time on c (a Chan<Time> of capacity 1).
  void add_channel(std::int64_t deadline_ns, std::shared_ptr<ChanCore> c);
  // Arms t to fire at deadline (arm) or disarms it (!arm); either way an earlier arming is
  // dead from now on: it will neither send nor run f. Returns whether t was armed.
  bool set(const std::shared_ptr<TimerCore>& t, std::int64_t deadline_ns, bool arm);
  // Timers added and not yet fired: a goroutine waiting on one is not deadlocked.
  std::int64_t pending() const { return pending_.load(std::memory_order_seq_cst); }

 private:
  struct Entry {
    std::int64_t when;
    std::uint64_t order;  // FIFO among equal deadlines
    Fiber* g;
    std::uint64_t seq;
    std::shared_ptr<ChanCore> chan;
    std::shared_ptr<TimerCore> timer;  // a stoppable timer, armed as `generation`
    std::uint64_t generation = 0;
  };
  bool take_due(Entry& e, std::int64_t now);
  void push(Entry e);
  void loop();
  void fire(std::vector<Entry>& due, std::int64_t now);

  Scheduler* sched_;
  SpinLock lock_;  // guards heap_ and order_ (a SpinLock: a goroutine takes it and the
                   // after-switch hook, maybe in another fiber, releases it)
  std::vector<Entry> heap_;
  std::uint64_t order_ = 0;
  std::atomic<std::int64_t> pending_{0};     // entries that will fire (dead ones not counted)
  std::atomic<std::uint32_t> wake_word_{0};  // bumped when the monitor should re-plan
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace conc::rt::detail
