#pragma once
// The futex: the kernel primitive every blocking lock and condition variable on Linux is
// built on. A thread sleeps on a 32-bit word only while the word still holds the value it
// expects, and another thread wakes sleepers on that word. Used bare here because a ping-pong
// on a futex is the shortest path through the kernel that forces a context switch (no pipe
// buffer copy, no lock library in between).
//
// Scope: `process_private` is faster (the kernel keys the word by address in this address
// space) and works between threads; `shared` keys it by the physical page, which is what two
// processes sharing a MAP_SHARED mapping need.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace conc::os {

enum class FutexScope { process_private, shared };

using FutexWord = std::atomic<std::uint32_t>;
static_assert(sizeof(FutexWord) == sizeof(std::uint32_t) && FutexWord::is_always_lock_free,
              "the kernel sees the futex word as a plain 32-bit integer");

// Sleeps while `word` == `expected`. Returns 0 when woken (or spuriously), EAGAIN when the
// word no longer held `expected` on entry, EINTR on a signal, ETIMEDOUT after `timeout`.
// Callers re-check the word in a loop: a return says nothing about who changed it.
int futex_wait(FutexWord& word, std::uint32_t expected, FutexScope scope);
int futex_wait_for(FutexWord& word, std::uint32_t expected, FutexScope scope,
                   std::chrono::nanoseconds timeout);

// Wakes up to `count` sleepers on `word`; returns how many were woken.
int futex_wake(FutexWord& word, int count, FutexScope scope);
int futex_wake_all(FutexWord& word, FutexScope scope);

// A token that two parties hand back and forth through one futex word: the hand-off of every
// futex ping-pong (pingpong.h between threads or processes, switch_pressure.h's pacer pair).
// Trivially destructible and lock-free, so it may sit in a MAP_SHARED page between processes.
//
// Invariant: the word holds first, second or kStopped. A party moves it only from its own value
// to the other's, by compare-and-swap, so kStopped, once stored, sticks: no party can lose a
// stop by passing the baton over it.
class FutexBaton {
 public:
  enum Side : std::uint32_t { first = 0, second = 1 };

  // Before either party runs: who holds the baton, and how the kernel keys the word
  // (FutexScope::shared between processes).
  void reset(Side holder, FutexScope scope);
  // Hands the baton from `from` to the other side and wakes it. false when `from` does not hold
  // it: after a stop (or if it was never its turn).
  bool pass(Side from);
  // Blocks until `me` holds the baton. false once stopped.
  bool await(Side me);
  // Ends the game: every pass and await returns false from now on, sleepers included.
  void stop();

 private:
  static constexpr std::uint32_t kStopped = 2;
  FutexWord word_{first};
  FutexScope scope_ = FutexScope::process_private;
};

}  // namespace conc::os
