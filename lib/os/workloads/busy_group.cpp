#include "os/workloads/busy_group.h"

#include <signal.h>

#include <thread>

#include "os/procfs/proc_read.h"
#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"

namespace conc::os {

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Ctrl-C has been handled (the flag), or is waiting for a thread to handle it. sigpending()
// reports only signals the caller blocks, which is why the workers block them.
bool stop_signal_seen() {
  if (interrupted()) {
    return true;
  }
  sigset_t pending;
  return ::sigpending(&pending) == 0 &&
         (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

}  // namespace

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
      throw_if_interrupted();  // an atomic load: creating 10,000 threads takes a while here
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
  const sigset_t signals = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  slot.tid.store(current_tid(), std::memory_order_relaxed);
  slot.stack = current_thread_stack();
  ready_.fetch_add(1, std::memory_order_release);
  while (gate_.load(std::memory_order_acquire) == 0) {
    futex_wait(gate_, 0, FutexScope::process_private);
  }
  std::uint64_t state = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<std::uintptr_t>(&slot);
  for (std::uint64_t unit = 1; !stop_.load(std::memory_order_relaxed); ++unit) {
    state = spin_work(state, options_.rounds_per_unit);
    if (counting_.load(std::memory_order_relaxed)) {
      slot.count.store(slot.count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    if (unit % kSignalCheckUnits == 0 && stop_signal_seen()) {
      stop_on_signal();
    }
  }
  slot.sink = state;
}

void BusyGroup::stop_on_signal() {
  if (stop_.exchange(true, std::memory_order_relaxed)) {
    return;  // another worker got there first
  }
  if (options_.owner_tid > 0) {
    pin_task_nothrow(options_.owner_tid, options_.cpu);  // best effort; refuses cpu < 0
  }
}

bool BusyGroup::wait_ready(std::chrono::milliseconds timeout) const {
  const auto deadline = monotonic_ns() + timeout.count() * 1'000'000;
  while (ready_.load(std::memory_order_acquire) < created()) {
    throw_if_interrupted();
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

std::vector<StackSpan> BusyGroup::stacks() const {
  std::vector<StackSpan> spans;
  // Each worker writes its span before counting itself ready (release); this acquire makes
  // them all visible once every created thread has been counted.
  if (ready_.load(std::memory_order_acquire) < created()) {
    return spans;
  }
  for (int i = 0; i < created(); ++i) {
    spans.push_back(slots_[static_cast<std::size_t>(i)].stack);
  }
  return spans;
}

void BusyGroup::start() {
  gate_.store(1, std::memory_order_release);
  futex_wake_all(gate_, FutexScope::process_private);
}

void BusyGroup::stop() {
  stop_.store(true, std::memory_order_relaxed);
  start();  // a thread still at the gate must pass it to see stop_
  for (auto& t : threads_) {
    t.join();
  }
}

}  // namespace conc::os
