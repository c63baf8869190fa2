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

}  // namespace conc::os
