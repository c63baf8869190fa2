#pragma once
// Running another program (a reference tool such as perf) the way a lesson needs it: pinned
// to a CPU like `taskset -c`, its output captured, never outliving the lesson.
//
// The program runs as a child (os::ChildProcess: PR_SET_PDEATHSIG, reaped) in a process group
// of its own, so that whatever it forks (perf bench forks a partner) is killed with it when
// the deadline passes, on Ctrl-C, or when the caller unwinds.

#include <chrono>
#include <string>
#include <vector>

#include "os/sys/child.h"

namespace conc::os {

struct CommandResult {
  ExitStatus status;
  std::string output;  // stdout and stderr, interleaved
  bool timed_out = false;
};

// argv[0] is the program's path. cpu >= 0 pins it (and everything it starts) to that CPU
// before exec. stdin is /dev/null. Throws Interrupted after Ctrl-C (the group killed first).
CommandResult run_captured(const std::vector<std::string>& argv, int cpu,
                           std::chrono::milliseconds timeout);

}  // namespace conc::os
