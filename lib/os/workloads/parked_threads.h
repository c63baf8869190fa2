#pragma once
// A group of threads that do their part, then park until the group releases them: the shape
// of every experiment that must look at live threads from outside (their /proc entries, their
// stack mappings) before they exit.
//
//   ParkedThreads group;
//   group.start([&] { record(); group.park(); });   // as many as wanted; EAGAIN is a value
//   group.wait_parked(n, deadline);                    // all n arrived
//   ... read /proc/self/task/<tid>/..., /proc/self/maps ...
//   }  // ~ParkedThreads: release, then join every thread, whatever path left the scope
//
// Invariant: `released_` only goes false -> true, under `mutex_`; a thread in park() returns
// once it is true, so the destructor's join cannot wait forever on a parked thread. The gate
// is a condition variable, not a pipe, so a child forked meanwhile holds nothing that keeps
// the threads parked.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "os/sys/thread.h"

namespace conc::os {

class ParkedThreads {
 public:
  ParkedThreads() = default;
  ParkedThreads(const ParkedThreads&) = delete;
  ParkedThreads& operator=(const ParkedThreads&) = delete;
  ~ParkedThreads();

  // Starts fn on a new thread (which should end by calling park()). Returns 0 or the
  // pthread_create error, as os::Thread::start does, or ENOMEM when the heap could not grow
  // for the thread's bookkeeping (under a tight RLIMIT_AS that may come first).
  int start(std::function<void()> fn, Thread::Options options = {});
  std::size_t size() const { return threads_.size(); }

  // Called by a member thread: counts it as parked and blocks until release().
  void park();
  // Waits until `count` threads are parked; false if the deadline passed first. Throws
  // os::Interrupted after Ctrl-C.
  bool wait_parked(std::size_t count, std::chrono::milliseconds timeout);
  // Lets every parked (and every future) park() return.
  void release();
  // release() and join all.
  void join_all();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t parked_ = 0;
  bool released_ = false;
  std::vector<Thread> threads_;
};

}  // namespace conc::os
