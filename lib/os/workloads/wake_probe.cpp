#include "os/workloads/wake_probe.h"

#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <cerrno>

#include "os/sys/clock.h"

namespace conc::os {

WakeProbe::WakeProbe(Options options) : options_(options) {
  samples_.reserve(options_.max_samples);
  create_error_ = Thread::start(thread_, [this] { loop(); }, {0, options_.cpu});
}

WakeProbe::~WakeProbe() {
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
}

void WakeProbe::loop() {
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  tid_.store(static_cast<pid_t>(::gettid()), std::memory_order_release);
  while (!stop_.load(std::memory_order_relaxed) && samples_.size() < options_.max_samples) {
    const std::int64_t deadline = monotonic_ns() + options_.period_ns;
    timespec ts{static_cast<time_t>(deadline / 1'000'000'000),
                static_cast<long>(deadline % 1'000'000'000)};
    int rc = 0;
    while ((rc = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr)) == EINTR) {
      // a signal: sleep on to the same deadline
    }
    if (rc != 0) {
      break;  // cannot happen with a valid absolute time; never spin on it
    }
    samples_.push_back(monotonic_ns() - deadline);
    recorded_.store(samples_.size(), std::memory_order_relaxed);
  }
}

std::vector<std::int64_t> WakeProbe::stop() {
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
  std::vector<std::int64_t> out = std::move(samples_);
  samples_.clear();  // a second stop() returns nothing, not a moved-from vector
  return out;
}

}  // namespace conc::os
