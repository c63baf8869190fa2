#include "os/busy_group.h"

#include <thread>

#include "os/clock.h"
#include "os/interrupt.h"
#include "os/proc_read.h"

namespace conc::os {

std::uint64_t spin_work(std::uint64_t state, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
  }
  return state;
}

BusyGroup::BusyGroup(Options options)
    : options_(options),
      slots_(std::make_unique<Slot[]>(
          static_cast<std::size_t>(options.threads > 0 ? options.threads : 0))) {
  threads_.reserve(static_cast<std::size_t>(options_.threads > 0 ? options_.threads : 0));
  try {
    for (int i = 0; i < options_.threads; ++i) {
      if (i % 256 == 255) {
        throw_if_interrupted();  // creating 10,000 threads takes a while here
      }
      Thread t;
      Slot& slot = slots_[static_cast<std::size_t>(i)];
      const int err =
          Thread::start(t, [this, &slot] { work(slot); }, {options_.stack_bytes, options_.cpu});
      if (err != 0) {
        create_error_ = err;
        break;
      }
      threads_.push_back(std::move(t));
    }
  } catch (...) {
    stop();
    throw;
  }
}

BusyGroup::~BusyGroup() {
  stop();
}

void BusyGroup::work(Slot& slot) {
  slot.tid.store(current_tid(), std::memory_order_relaxed);
  ready_.fetch_add(1, std::memory_order_release);
  while (gate_.load(std::memory_order_acquire) == 0) {
    gate_.wait(0, std::memory_order_acquire);
  }
  std::uint64_t state = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<std::uintptr_t>(&slot);
  while (!stop_.load(std::memory_order_relaxed)) {
    state = spin_work(state, options_.rounds_per_unit);
    if (counting_.load(std::memory_order_relaxed)) {
      slot.count.store(slot.count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  slot.sink = state;
}

bool BusyGroup::wait_ready(std::chrono::milliseconds timeout) const {
  const auto deadline = monotonic_ns() + timeout.count() * 1'000'000;
  while (ready_.load(std::memory_order_acquire) < created()) {
    if (monotonic_ns() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

std::vector<pid_t> BusyGroup::tids() const {
  std::vector<pid_t> tids;
  tids.reserve(threads_.size());
  for (int i = 0; i < created(); ++i) {
    tids.push_back(slots_[static_cast<std::size_t>(i)].tid.load(std::memory_order_relaxed));
  }
  return tids;
}

void BusyGroup::start() {
  gate_.store(1, std::memory_order_release);
  gate_.notify_all();
}

std::vector<std::uint64_t> BusyGroup::counts() const {
  std::vector<std::uint64_t> counts;
  counts.reserve(threads_.size());
  for (int i = 0; i < created(); ++i) {
    counts.push_back(slots_[static_cast<std::size_t>(i)].count.load(std::memory_order_relaxed));
  }
  return counts;
}

void BusyGroup::stop() {
  stop_.store(true, std::memory_order_relaxed);
  start();  // a thread still at the gate must pass it to see stop_
  for (auto& t : threads_) {
    t.join();
  }
}

}  // namespace conc::os
