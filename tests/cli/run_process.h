#pragma once
// Runs the conc-lab executable as a separate process and captures what it printed.

#include <string>
#include <vector>

namespace conc::testing {

struct Finished {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs CONC_LAB_BINARY with args (environment: ours plus `env` entries "NAME=value").
Finished run_conc_lab(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {});

// Starts it in a session of its own (setsid), stderr to `stderr_file`, and returns its pid
// without waiting.
int start_conc_lab(const std::vector<std::string>& args, const std::string& stderr_file);
// Waits for a started process; returns its exit code (128 + signal when killed).
int wait_exit(int pid);
// Pids of processes still in the session led by `sid`.
std::vector<int> session_members(int sid);
// Number of threads of a process (entries in /proc/<pid>/task); 0 when it is gone.
int thread_count(int pid);
// Whether a process has a handler installed for `sig` (SigCgt in /proc/<pid>/status).
bool catches_signal(int pid, int sig);
// Whether a process has a child process of its own (/proc/<pid>/task/<pid>/children).
bool has_children(int pid);
// User plus system CPU seconds a process has used (/proc/<pid>/stat); 0 when it is gone.
double cpu_seconds(int pid);
// A whole file; "" if unreadable.
std::string slurp(const std::string& path);

}  // namespace conc::testing
