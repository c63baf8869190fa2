#pragma once
// Where a thread's stack lies and how much of it is really in memory. A thread's stack is a
// fixed-size mapping reserved when the thread is created (plus a guard page below it); only the
// pages the thread touches are backed by memory. Growth of VmSize or VmRSS cannot show this:
// glibc keeps the stacks of joined threads (up to 40 MiB) and hands them to new threads, so a
// process that has run threads before grows by less than its new threads reserve.

#include <cstddef>
#include <cstdint>

namespace conc::os {

struct StackSpan {
  std::uintptr_t low = 0;  // lowest usable address
  std::size_t bytes = 0;   // usable size
  std::size_t guard = 0;   // the inaccessible guard below it
  std::size_t reserved() const { return bytes + guard; }
};

// The calling thread's stack (pthread_getattr_np); all zeros when it cannot be read.
StackSpan current_thread_stack();

// Bytes of [low, low + bytes) that are resident (mincore); 0 when it cannot be asked.
std::size_t resident_bytes(std::uintptr_t low, std::size_t bytes);

}  // namespace conc::os
