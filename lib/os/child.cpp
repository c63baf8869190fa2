#include "os/child.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "os/error.h"
#include "os/interrupt.h"

namespace conc::os {

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
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
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
    : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill();
  }
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
  return status_;
}

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds limit) {
  if (status_) {
    return status_;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::microseconds(50);
  while (true) {
    if (auto s = try_reap()) {
      return s;
    }
    if (interrupted()) {
      kill();
      throw Interrupted();
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
  return *status_;
}

}  // namespace conc::os
