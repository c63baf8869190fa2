#pragma once
// A child process that cannot outlive the lesson that started it.
//
//   parent (lesson)                   child
//   ChildProcess::spawn(fn) --fork--> prctl(PR_SET_PDEATHSIG, SIGKILL); SIGINT/SIGTERM default
//        ...                          exit status = fn()  (an exception -> 111)
//   ~ChildProcess(): SIGKILL if still running, then waitpid: never a zombie, never an orphan.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked exits, so spawn from a thread that
// outlives the child (the lesson's own thread). fork() without exec copies only the calling
// thread: the child must not touch locks other threads might have held (keep fn simple).
//
// Waiting blocks, with a bound: the parent sleeps in ppoll() on a pidfd (pidfd_open(2), Linux
// 5.3+), which becomes readable the moment the child ends, together with the interrupt pipe
// (interrupt.h), in slices of at most 50 ms; then waitpid() reaps. So a wait costs what the
// kernel's wake-up costs, not a polling period, and Ctrl-C still ends it at once. Where
// pidfd_open is unavailable (an old kernel, no free descriptor) it falls back to polling
// waitpid(WNOHANG) with sleeps from 50 µs up to 10 ms.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace conc::os {

struct ExitStatus {
  bool exited = false;  // normal exit, code valid
  int code = 0;
  bool signaled = false;  // killed by a signal
  int signal = 0;
  std::string describe() const;  // "exit 0", "killed by SIGSEGV"
};

class ChildProcess {
 public:
  static ChildProcess spawn(const std::function<int()>& fn);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !status_; }
  // Waits for the child to end. After Ctrl-C: kills and reaps the child, throws Interrupted.
  ExitStatus wait();
  // Waits at most `limit`; nullopt if it is still running. Ctrl-C as for wait().
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds limit);
  // Whether the waits slept on a pidfd (false: they polled, as pidfd_open was unavailable).
  bool waited_on_pidfd() const { return waited_on_pidfd_; }
  // SIGKILL and reap.
  ExitStatus kill();

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  std::optional<ExitStatus> try_reap();
  std::optional<ExitStatus> wait_on_pidfd(Deadline deadline);
  std::optional<ExitStatus> wait_by_polling(Deadline deadline);
  void close_pidfd();
  [[noreturn]] void kill_and_throw_interrupted();
  pid_t pid_ = -1;
  int pidfd_ = -1;  // opened by the first wait, closed once reaped
  bool pidfd_unavailable_ = false;
  bool waited_on_pidfd_ = false;
  std::optional<ExitStatus> status_;
};

}  // namespace conc::os
