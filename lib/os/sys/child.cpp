#include "os/sys/child.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "os/sys/error.h"
#include "os/sys/interrupt.h"

namespace conc::os {

namespace {

// A forked child starts with the handlers of its parent (exec would reset them, fork does
// not): the parent's Ctrl-C handler, or a test framework's crash handler that would print a
// "test crashed" report from the child. The child runs with the default of every signal, as a
// freshly started program would, so a child that aborts on purpose dies of SIGABRT quietly.
void reset_signal_handlers() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      ::signal(sig, SIG_DFL);  // fails harmlessly for the numbers that are not signals
    }
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) {
    return "exit " + std::to_string(code);
  }
  if (signaled) {
    const char* name = sigabbrev_np(signal);
    return std::string("killed by SIG") + (name != nullptr ? name : std::to_string(signal));
  }
  return "unknown";
}

ChildProcess ChildProcess::spawn(const std::function<int()>& fn) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno("fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(112);  // the parent died before prctl took effect
    }
    reset_signal_handlers();
    int code = 111;
    try {
      code = fn();
    } catch (...) {
      code = 111;
    }
    ::_exit(code);
  }
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      pidfd_(other.pidfd_),
      pidfd_unavailable_(other.pidfd_unavailable_),
      waited_on_pidfd_(other.waited_on_pidfd_),
      status_(other.status_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill();
  }
  close_pidfd();
}

void ChildProcess::close_pidfd() {
  if (pidfd_ >= 0) {
    ::close(pidfd_);
    pidfd_ = -1;
  }
}

void ChildProcess::kill_and_throw_interrupted() {
  kill();
  throw Interrupted();
}

namespace {
ExitStatus decode(int raw) {
  ExitStatus s;
  if (WIFEXITED(raw)) {
    s.exited = true;
    s.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    s.signaled = true;
    s.signal = WTERMSIG(raw);
  }
  return s;
}
}  // namespace

std::optional<ExitStatus> ChildProcess::try_reap() {
  int raw = 0;
  const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
  if (r == 0) {
    return std::nullopt;
  }
  if (r < 0) {
    throw_errno("waitpid");
  }
  status_ = decode(raw);
  close_pidfd();
  return status_;
}

namespace {
// The longest single sleep of a wait: the interrupt flag is checked at least this often, even
// if the interrupt pipe's wake-up were missed.
constexpr auto kWaitSlice = std::chrono::milliseconds(50);

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}
}  // namespace

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds limit) {
  if (status_) {
    return status_;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  if (pidfd_ < 0 && !pidfd_unavailable_) {
    pidfd_ = open_pidfd(pid_);
    pidfd_unavailable_ = pidfd_ < 0;
    waited_on_pidfd_ = pidfd_ >= 0;
  }
  return pidfd_ >= 0 ? wait_on_pidfd(deadline) : wait_by_polling(deadline);
}

std::optional<ExitStatus> ChildProcess::wait_on_pidfd(Deadline deadline) {
  while (true) {
    if (interrupted()) {
      kill_and_throw_interrupted();
    }
    const auto now = std::chrono::steady_clock::now();
    const auto slice = std::clamp<std::chrono::nanoseconds>(deadline - now, {}, kWaitSlice);
    const timespec ts{0, static_cast<long>(slice.count())};
    // interrupt_fd() is -1 until the app installs the handler; poll ignores a negative fd.
    pollfd fds[2] = {{pidfd_, POLLIN, 0}, {interrupt_fd(), POLLIN, 0}};
    const int ready = ::ppoll(fds, 2, &ts, nullptr);
    if (ready < 0 && errno != EINTR) {
      throw_errno("ppoll on a pidfd");
    }
    // Readable: the child has ended, so the reap below does not block.
    if ((ready > 0 && fds[0].revents != 0) || now >= deadline) {
      if (auto s = try_reap()) {
        return s;
      }
      if (now >= deadline) {
        return std::nullopt;
      }
      if ((fds[0].revents & (POLLERR | POLLNVAL)) != 0) {
        close_pidfd();  // not a usable pidfd after all: poll from here on
        pidfd_unavailable_ = true;
        return wait_by_polling(deadline);
      }
    }
  }
}

std::optional<ExitStatus> ChildProcess::wait_by_polling(Deadline deadline) {
  auto pause = std::chrono::microseconds(50);
  while (true) {
    if (auto s = try_reap()) {
      return s;
    }
    if (interrupted()) {
      kill_and_throw_interrupted();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10'000));
  }
}

ExitStatus ChildProcess::wait() {
  while (true) {
    if (auto s = wait_for(std::chrono::milliseconds(100))) {
      return *s;
    }
  }
}

ExitStatus ChildProcess::kill() {
  if (status_) {
    return *status_;
  }
  ::kill(pid_, SIGKILL);
  int raw = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &raw, 0);
  } while (r < 0 && errno == EINTR);
  // If it had ended on its own just before the signal, keep its real status.
  status_ = r == pid_ ? decode(raw) : ExitStatus{false, 0, true, SIGKILL};
  close_pidfd();
  return *status_;
}

}  // namespace conc::os
