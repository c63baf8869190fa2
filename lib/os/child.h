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
  // Waits for the child to end (polling the interrupt flag: throws Interrupted after killing
  // the child when Ctrl-C arrives).
  ExitStatus wait();
  // Waits at most `limit`; nullopt if it is still running.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds limit);
  // SIGKILL and reap.
  ExitStatus kill();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  std::optional<ExitStatus> try_reap();
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

}  // namespace conc::os
