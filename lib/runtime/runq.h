#pragma once
// A worker's local run queue: Go's runq, a fixed ring with one producer (the owning worker)
// and many consumers (the owner and thieves).
//
// Invariants:
//   - tail is written only by the owner; head only by CAS (owner or thief);
//   - tail - head <= kCapacity; slots [head, tail) hold runnable fibers;
//   - a consumer takes slots by CAS on head: a thief that loses the CAS took nothing, so a
//     fiber is never run twice;
//   - a consumer reads a slot before its CAS on head, and the slot's index is below the tail it
//     acquired; the owner writes slot t only after acquiring a head > t - kCapacity, i.e. after
//     the CAS that released that slot, whose reader's load happened before it. So a slot is
//     never overwritten while a consumer that will win its CAS still has to read it, and a
//     consumer that read a slot the owner has since overwritten loses its CAS (head moved).
// Memory ordering: push() releases tail, consumers acquire it, so the fiber's saved context is
// visible to whoever pops or steals it; consumers release head (their CAS) and push() acquires
// it, which orders the consumer's read of a slot before the owner's reuse of it. A thief reads
// head and tail separately: a head that moved meanwhile can make t - h look larger than the
// ring, which steal_into() treats as an inconsistent read and retries.

#include <atomic>
#include <cstdint>

#include "runtime/fiber.h"

namespace conc::rt::detail {

class RunQueue {
 public:
  static constexpr std::uint32_t kCapacity = 256;

  // Owner only. Returns false if full (the caller moves half to the global queue).
  bool push(Fiber* g) {
    const std::uint32_t h = head_.load(std::memory_order_acquire);
    const std::uint32_t t = tail_.load(std::memory_order_relaxed);
    if (t - h >= kCapacity) {
      return false;
    }
    slots_[t % kCapacity].store(g, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  // Owner only.
  Fiber* pop() {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      const std::uint32_t t = tail_.load(std::memory_order_relaxed);
      if (t == h) {
        return nullptr;
      }
      Fiber* g = slots_[h % kCapacity].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_release)) {
        return g;
      }
    }
  }

  // Owner only: takes up to half of the queue out (to push on the global queue when full).
  std::uint32_t take_half(Fiber** out) {
    std::uint32_t h = head_.load(std::memory_order_acquire);
    const std::uint32_t t = tail_.load(std::memory_order_relaxed);
    const std::uint32_t n = (t - h) / 2;
    for (std::uint32_t i = 0; i < n; ++i) {
      out[i] = slots_[(h + i) % kCapacity].load(std::memory_order_relaxed);
    }
    if (n == 0 || !head_.compare_exchange_strong(h, h + n, std::memory_order_release)) {
      return 0;
    }
    return n;
  }

  // Any thread: moves half of this queue (rounded up) into `into`, which must be empty and
  // owned by the caller. Returns how many moved.
  std::uint32_t steal_into(RunQueue& into) {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      const std::uint32_t t = tail_.load(std::memory_order_acquire);
      std::uint32_t n = t - h;
      n -= n / 2;
      if (n == 0) {
        return 0;
      }
      if (n > kCapacity / 2) {
        continue;  // inconsistent read (head moved under us): retry
      }
      const std::uint32_t it = into.tail_.load(std::memory_order_relaxed);
      for (std::uint32_t i = 0; i < n; ++i) {
        into.slots_[(it + i) % kCapacity].store(
            slots_[(h + i) % kCapacity].load(std::memory_order_relaxed), std::memory_order_relaxed);
      }
      if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel)) {
        into.tail_.store(it + n, std::memory_order_release);
        return n;
      }
    }
  }

  std::uint32_t size() const {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }

 private:
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::atomic<Fiber*> slots_[kCapacity]{};
};

}  // namespace conc::rt::detail
