#include "os/sys/terminal.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace conc::os {

namespace {

constexpr std::size_t kLeaveMax = 255;

// Written by save/forget on the main thread, read by handlers: `g_saved` is published last
// (release) and read first (acquire), so a handler that sees it also sees the copy.
struct SavedTerminal {
  int fd = -1;
  termios modes{};
  char leave[kLeaveMax + 1] = {};
  std::size_t leave_size = 0;
};
SavedTerminal g_terminal;
std::atomic<bool> g_saved{false};

void on_fatal_signal(int sig) {
  restore_saved_terminal();
  // Default action, then raise again: the process dies of `sig` as it would have.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void save_terminal_modes(int fd, const termios& modes, std::string_view leave) {
  if (leave.size() > kLeaveMax) {
    throw std::logic_error("terminal leave sequence too long");
  }
  g_saved.store(false, std::memory_order_release);
  g_terminal.fd = fd;
  g_terminal.modes = modes;
  std::memcpy(g_terminal.leave, leave.data(), leave.size());
  g_terminal.leave_size = leave.size();
  g_saved.store(true, std::memory_order_release);
}

void forget_terminal_modes() {
  g_saved.store(false, std::memory_order_release);
}

void restore_saved_terminal() {
  if (!g_saved.exchange(false, std::memory_order_acq_rel)) {
    return;
  }
  if (g_terminal.leave_size > 0) {
    [[maybe_unused]] auto n = ::write(g_terminal.fd, g_terminal.leave, g_terminal.leave_size);
  }
  ::tcsetattr(g_terminal.fd, TCSAFLUSH, &g_terminal.modes);
}

void install_fatal_signal_restore() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    // SA_RESETHAND: a second fault inside the handler ends the process at once.
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (const int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) {
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace conc::os
