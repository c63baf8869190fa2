#pragma once
// A kernel thread with the knobs std::thread hides: the stack size, and creation failure as a
// value (EAGAIN when a limit is hit) instead of an exception, so that a lesson that creates
// threads until something stops it can report what stopped it and go on.
//
// Joined in the destructor: a Thread never outlives its owner, whatever path the owner takes.

#include <cstddef>
#include <functional>
#include <memory>

namespace conc::os {

class Thread {
 public:
  struct Options {
    std::size_t stack_bytes = 0;  // 0: the default (pthread_getattr_default_np)
    int cpu = -1;  // >= 0: the new thread is created pinned to this CPU (an unusable CPU fails)
  };

  Thread() = default;
  Thread(Thread&& other) noexcept;
  Thread& operator=(Thread&& other) noexcept;
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  ~Thread();

  // Starts fn on a new thread. Returns 0 and fills `out`, or the pthread_create error (EAGAIN:
  // a limit on tasks, memory or mappings was hit) and leaves `out` empty.
  static int start(Thread& out, std::function<void()> fn, Options options);
  static int start(Thread& out, std::function<void()> fn) { return start(out, std::move(fn), {}); }

  bool joinable() const { return started_; }
  void join();

 private:
  unsigned long handle_ = 0;  // pthread_t
  bool started_ = false;
};

}  // namespace conc::os
