#include "os/workloads/op_timer.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "os/sys/clock.h"
#include "os/sys/error.h"
#include "os/sys/futex.h"
#include "os/sys/pipe.h"
#include "os/sys/shared_memory.h"

namespace conc::os {

namespace {

// noinline keeps the call; the empty asm with a memory clobber tells the compiler the body
// may read or write any memory, so calls can be neither removed, merged nor hoisted.
__attribute__((noinline)) std::uint64_t opaque_increment(std::uint64_t x) {
  asm volatile("" ::: "memory");
  return x + 1;
}

double per_op(std::int64_t t0, long n) {
  return n > 0 ? static_cast<double>(monotonic_ns() - t0) / static_cast<double>(n) : 0.0;
}

}  // namespace

double time_function_calls(long n) {
  std::uint64_t acc = 0;
  const auto t0 = monotonic_ns();
  for (long i = 0; i < n; ++i) {
    acc = opaque_increment(acc);
  }
  const double ns = per_op(t0, n);
  asm volatile("" : : "r"(acc));  // the result is "used": the loop cannot be dropped
  return ns;
}

double time_getppid(long n) {
  const auto t0 = monotonic_ns();
  for (long i = 0; i < n; ++i) {
    ::syscall(SYS_getppid);
  }
  return per_op(t0, n);
}

double time_pipe_self_pair(long n) {
  Pipe pipe;
  char byte = 'x';
  const auto t0 = monotonic_ns();
  for (long i = 0; i < n; ++i) {
    if (::write(pipe.write_fd(), &byte, 1) != 1 || ::read(pipe.read_fd(), &byte, 1) != 1) {
      // Cannot happen with a fresh blocking pipe; a time would be a wrong sample, not a figure.
      throw_errno("pipe write + read on one thread");
    }
  }
  return per_op(t0, n);
}

double time_futex_self_pair(long n, FutexScope scope) {
  Shared<FutexWord> word;
  const auto t0 = monotonic_ns();
  for (long i = 0; i < n; ++i) {
    futex_wake(*word, 1, scope);
    futex_wait(*word, 1, scope);  // the word holds 0: EAGAIN at once
  }
  return per_op(t0, n);
}

}  // namespace conc::os
