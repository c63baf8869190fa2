#include "os/sys/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "os/sys/error.h"

namespace conc::os {

namespace {
std::atomic<int> g_signal{0};
std::atomic<unsigned> g_continues{0};
int g_pipe[2] = {-1, -1};
// Registered process groups; 0 marks a free slot. Lock-free so that a signal-time reader
// never waits.
constexpr int kMaxGroups = 16;
std::atomic<pid_t> g_groups[kMaxGroups];

void on_signal(int sig) {
  // Only async-signal-safe work here: an atomic store and a write(2).
  g_signal.store(sig, std::memory_order_relaxed);
  const char byte = 1;
  [[maybe_unused]] auto n = ::write(g_pipe[1], &byte, 1);
}
void on_continue(int /*sig*/) {
  g_continues.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

void install_interrupt_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw_errno("pipe2");
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      ::sigaction(sig, &sa, nullptr);
    }
    sa.sa_handler = on_continue;
    ::sigaction(SIGCONT, &sa, nullptr);
  });
}

bool interrupted() {
  return g_signal.load(std::memory_order_relaxed) != 0;
}

void throw_if_interrupted() {
  if (interrupted()) {
    throw Interrupted();
  }
}

void sleep_interruptible(long long ns) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  for (auto now = std::chrono::steady_clock::now(); now < end;
       now = std::chrono::steady_clock::now()) {
    throw_if_interrupted();
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(end - now, std::chrono::milliseconds(50)));
  }
  throw_if_interrupted();
}

int interrupt_fd() {
  return g_pipe[0];
}

unsigned continue_count() {
  return g_continues.load(std::memory_order_relaxed);
}

int interrupt_signal() {
  return g_signal.load(std::memory_order_relaxed);
}

void register_group(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t free = 0;
    if (slot.compare_exchange_strong(free, group)) {
      return;
    }
  }
  throw std::logic_error("more external commands at once than conc-lab tracks");
}

void unregister_group(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t mine = group;
    if (slot.compare_exchange_strong(mine, 0)) {
      return;
    }
  }
}

void kill_registered_groups() {
  for (auto& slot : g_groups) {
    if (const pid_t group = slot.load(); group > 0) {
      ::kill(-group, SIGKILL);
    }
  }
}

}  // namespace conc::os
