#pragma once
// Lesson `thread` is three files: thread.cpp (the lesson, stacks C09 and shared memory C10),
// thread_accounts.cpp (per-thread accounts C08, a blocked thread C11) and thread_sched.cpp
// (the scheduler, C12 and C13). This header is what the first two share; it is internal to
// the lesson.

#include <chrono>
#include <functional>
#include <stdexcept>
#include <system_error>

#include "os/sys/thread.h"
#include "os/workloads/parked_threads.h"

namespace conc::lessons::thread {

inline constexpr auto kThreadsReportLimit = std::chrono::milliseconds(3000);

inline void start_or_throw(os::ParkedThreads& group, std::function<void()> fn) {
  if (const int err = group.start(std::move(fn)); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_create");
  }
}

inline void start_or_throw(os::Thread& t, std::function<void()> fn) {
  if (const int err = os::Thread::start(t, std::move(fn)); err != 0) {
    throw std::system_error(err, std::generic_category(), "pthread_create");
  }
}

// Waits (Ctrl-C aware) until n threads of the group have parked.
inline void wait_or_throw(os::ParkedThreads& group, std::size_t n) {
  if (!group.wait_parked(n, kThreadsReportLimit)) {
    throw std::runtime_error("threads of the thread lesson did not report in time");
  }
}

}  // namespace conc::lessons::thread
