#include "os/sys/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace conc::os {

namespace {

int op_for(int op, FutexScope scope) {
  return scope == FutexScope::process_private ? (op | FUTEX_PRIVATE_FLAG) : op;
}

std::uint32_t* raw(FutexWord& word) {
  return reinterpret_cast<std::uint32_t*>(&word);
}

int wait(FutexWord& word, std::uint32_t expected, FutexScope scope, const timespec* timeout) {
  const long r =
      ::syscall(SYS_futex, raw(word), op_for(FUTEX_WAIT, scope), expected, timeout, nullptr, 0);
  return r == 0 ? 0 : errno;
}

}  // namespace

int futex_wait(FutexWord& word, std::uint32_t expected, FutexScope scope) {
  return wait(word, expected, scope, nullptr);
}

int futex_wait_for(FutexWord& word, std::uint32_t expected, FutexScope scope,
                   std::chrono::nanoseconds timeout) {
  const auto ns = std::max<std::int64_t>(0, timeout.count());
  const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  return wait(word, expected, scope, &ts);
}

int futex_wake(FutexWord& word, int count, FutexScope scope) {
  const long r =
      ::syscall(SYS_futex, raw(word), op_for(FUTEX_WAKE, scope), count, nullptr, nullptr, 0);
  return r < 0 ? 0 : static_cast<int>(r);
}

int futex_wake_all(FutexWord& word, FutexScope scope) {
  return futex_wake(word, INT_MAX, scope);
}

void FutexBaton::reset(Side holder, FutexScope scope) {
  scope_ = scope;
  word_.store(holder, std::memory_order_release);
}

bool FutexBaton::pass(Side from) {
  std::uint32_t expected = from;
  const std::uint32_t to = from == first ? second : first;
  if (!word_.compare_exchange_strong(expected, to, std::memory_order_acq_rel)) {
    return false;  // only a stop takes the baton from its holder
  }
  futex_wake(word_, 1, scope_);
  return true;
}

bool FutexBaton::await(Side me) {
  while (true) {
    const std::uint32_t seen = word_.load(std::memory_order_acquire);
    if (seen == me) {
      return true;
    }
    if (seen == kStopped) {
      return false;
    }
    futex_wait(word_, seen, scope_);
  }
}

void FutexBaton::stop() {
  word_.store(kStopped, std::memory_order_release);
  futex_wake_all(word_, scope_);
}

}  // namespace conc::os
