#pragma once
// Internal: the timer heap behind sleep_for() and after(), and the monitor thread that fires
// timers and watches for stalled goroutines (a small cousin of Go's sysmon).

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/spinlock.h"

namespace conc::rt::detail {

class Scheduler;
class ChanCore;
struct Fiber;

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
  // Timers added and not yet fired: a goroutine waiting on one is not deadlocked.
  std::int64_t pending() const { return pending_.load(std::memory_order_seq_cst); }

 private:
  struct Entry {
    std::int64_t when;
    std::uint64_t order;  // FIFO among equal deadlines
    Fiber* g;
    std::uint64_t seq;
    std::shared_ptr<ChanCore> chan;
  };
  void push(Entry e);
  void loop();
  void fire(std::vector<Entry>& due, std::int64_t now);

  Scheduler* sched_;
  SpinLock lock_;  // guards heap_ and order_ (a SpinLock: a goroutine takes it and the
                   // after-switch hook, maybe in another fiber, releases it)
  std::vector<Entry> heap_;
  std::uint64_t order_ = 0;
  std::atomic<std::int64_t> pending_{0};
  std::atomic<std::uint32_t> wake_word_{0};  // bumped when the monitor should re-plan
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace conc::rt::detail
