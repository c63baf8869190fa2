#include "os/sys/thread_stack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace conc::os {

StackSpan current_thread_stack() {
  StackSpan s;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) {
    return s;
  }
  void* addr = nullptr;
  std::size_t size = 0, guard = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    s.low = reinterpret_cast<std::uintptr_t>(addr);
    s.bytes = size;
  }
  if (pthread_attr_getguardsize(&attr, &guard) == 0) {
    s.guard = guard;
  }
  pthread_attr_destroy(&attr);
  return s;
}

std::size_t resident_bytes(std::uintptr_t low, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (bytes == 0 || page == 0) {
    return 0;
  }
  const std::uintptr_t first = low / page * page;
  const std::size_t span = low + bytes - first;
  std::vector<unsigned char> in_core((span + page - 1) / page);
  // The page-aligned start is computed as an integer on purpose.
  void* const start = reinterpret_cast<void*>(first);  // NOLINT(performance-no-int-to-ptr)
  if (::mincore(start, span, in_core.data()) != 0) {
    return 0;
  }
  return page * static_cast<std::size_t>(std::count_if(in_core.begin(), in_core.end(),
                                                       [](unsigned char c) { return c & 1; }));
}

}  // namespace conc::os
