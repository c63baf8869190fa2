#pragma once
// The price of one operation, timed over a batch: the yardsticks a context switch is compared
// with (a function call, a bare system call) and the no-switch baselines that lmbench
// subtracts from a ping-pong (the same syscalls done by one thread that never blocks).
//
// Each function runs `n` operations back to back between two reads of the monotonic clock
// and returns nanoseconds per operation. One call is one sample: callers repeat it and take
// the median (ctx.measure). The clock is read through the vDSO (no syscall), so bracketing a
// batch costs two clock reads once, not per operation.

#include "os/sys/futex.h"

namespace conc::os {

// A call to a function the compiler may not inline, elide or merge (noinline, and a compiler
// barrier inside it), with one add as its body. Includes the loop's own increment and branch
// (about a cycle).
double time_function_calls(long n);

// syscall(SYS_getppid): the cheapest real system call. Not getpid() (glibc once cached it)
// and not clock_gettime() (the vDSO answers it in user space).
double time_getppid(long n);

// lmbench's "overhead" for a pipe ping-pong: write 1 byte then read it back on one pipe, in
// one thread. Both calls return at once: the syscalls of a round trip without the switch.
// Throws std::system_error if either call fails (it cannot on a fresh pipe).
double time_pipe_self_pair(long n);

// The futex twin: FUTEX_WAKE on a word nobody waits on, then FUTEX_WAIT with a value the word
// does not hold (EAGAIN at once). With FutexScope::shared the word sits in a MAP_SHARED page,
// like the process ping-pong's, so the kernel takes the same (slower) shared-key path.
double time_futex_self_pair(long n, FutexScope scope);

}  // namespace conc::os
