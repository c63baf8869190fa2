#include "os/sys/thread.h"

#include <pthread.h>
#include <sched.h>

#include <utility>

namespace conc::os {

namespace {
struct Start {
  std::function<void()> fn;
};

void* trampoline(void* arg) {
  std::unique_ptr<Start> start(static_cast<Start*>(arg));
  start->fn();
  return nullptr;
}
}  // namespace

Thread::Thread(Thread&& other) noexcept
    : handle_(std::exchange(other.handle_, 0)), started_(std::exchange(other.started_, false)) {}

Thread& Thread::operator=(Thread&& other) noexcept {
  if (this != &other) {
    join();
    handle_ = std::exchange(other.handle_, 0);
    started_ = std::exchange(other.started_, false);
  }
  return *this;
}

Thread::~Thread() {
  join();
}

int Thread::start(Thread& out, std::function<void()> fn, Options options) {
  out.join();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (options.stack_bytes > 0) {
    if (int err = pthread_attr_setstacksize(&attr, options.stack_bytes); err != 0) {
      pthread_attr_destroy(&attr);
      return err;
    }
  }
  // The affinity is part of the creation: the thread never runs a single instruction elsewhere,
  // and a CPU that cannot be used fails pthread_create instead of being ignored.
  if (options.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options.cpu, &set);
    if (int err = pthread_attr_setaffinity_np(&attr, sizeof set, &set); err != 0) {
      pthread_attr_destroy(&attr);
      return err;
    }
  }
  auto* start = new Start{std::move(fn)};
  pthread_t handle{};
  const int err = pthread_create(&handle, &attr, trampoline, start);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    delete start;
    return err;
  }
  out.handle_ = handle;
  out.started_ = true;
  return 0;
}

void Thread::join() {
  if (started_) {
    pthread_join(static_cast<pthread_t>(handle_), nullptr);
    started_ = false;
  }
}

}  // namespace conc::os
