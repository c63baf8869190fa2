#include "os/workloads/parked_threads.h"

#include <algorithm>
#include <cerrno>
#include <new>

#include "os/sys/interrupt.h"

namespace conc::os {

ParkedThreads::~ParkedThreads() {
  join_all();
}

int ParkedThreads::start(std::function<void()> fn, Thread::Options options) {
  // Room for the new thread first: once it runs, it must not be lost to a failed push_back
  // (its destructor would join a thread that waits to be released).
  try {
    if (threads_.size() == threads_.capacity()) {
      threads_.reserve(std::max<std::size_t>(16, 2 * threads_.capacity()));
    }
    Thread t;
    const int err = Thread::start(t, std::move(fn), options);
    if (err == 0) {
      threads_.push_back(std::move(t));
    }
    return err;
  } catch (const std::bad_alloc&) {
    return ENOMEM;  // the heap could not grow: a limit, like pthread_create's EAGAIN
  }
}

void ParkedThreads::park() {
  std::unique_lock lock(mutex_);
  ++parked_;
  changed_.notify_all();
  changed_.wait(lock, [this] { return released_; });
}

bool ParkedThreads::wait_parked(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  while (parked_ < count) {
    throw_if_interrupted();
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    // Short waits so that Ctrl-C is seen within a fraction of a second.
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return true;
}

void ParkedThreads::release() {
  std::lock_guard lock(mutex_);
  released_ = true;
  changed_.notify_all();
}

void ParkedThreads::join_all() {
  release();
  threads_.clear();  // each Thread joins in its destructor
}

}  // namespace conc::os
