#include "run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "os/procfs/proc_read.h"
#include "os/procfs/text_file.h"

extern char** environ;

namespace conc::testing {

namespace {
std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

std::string name_of(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

// Every run of the executable gets a state folder of this test process's own: its verdicts
// do not land in the user's ledger, and its lessons do not wait for (or disturb) a conc-lab
// measuring elsewhere on the machine. Hints are as for a conc-lab run directly.
struct IsolatedState {
  std::string folder = "/tmp/conc-lab-cli-state-" + std::to_string(::getpid());
  IsolatedState() {
    ::setenv("XDG_STATE_HOME", folder.c_str(), 1);
    ::unsetenv("CONC_LAB_INVOKED_AS");
  }
  ~IsolatedState() {
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
  }
  IsolatedState(const IsolatedState&) = delete;
  IsolatedState& operator=(const IsolatedState&) = delete;
};
const IsolatedState g_isolated_state;

int decode(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
}  // namespace

Finished run_conc_lab(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return {};
  }
  std::vector<std::string> argv{CONC_LAB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // `env` overrides: getenv() would find an inherited entry of the same name first.
  std::vector<std::string> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string name = name_of(*e);
    if (std::none_of(env.begin(), env.end(),
                     [&](const std::string& entry) { return name_of(entry) == name; })) {
      envp.emplace_back(*e);
    }
  }
  envp.insert(envp.end(), env.begin(), env.end());
  auto cargv = c_strings(argv);
  auto cenv = c_strings(envp);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Finished f;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  char buf[4096];
  while (open > 0 && ::poll(fds, 2, -1) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open;
        } else {
          (i == 0 ? f.out : f.err).append(buf, static_cast<std::size_t>(n));
        }
      }
    }
  }
  f.exit_code = wait_exit(pid);
  return f;
}

int start_conc_lab(const std::vector<std::string>& args, const std::string& stderr_file) {
  std::vector<std::string> argv{CONC_LAB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto cargv = c_strings(argv);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int devnull = ::open("/dev/null", O_WRONLY);
    const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(devnull, 1);
    ::dup2(err, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return decode(status);
}

std::vector<int> session_members(int sid) {
  std::vector<int> pids;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) {
      continue;
    }
    // Fields after the command name "(...)": state ppid pgrp session ...
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string state;
    int ppid = 0, pgrp = 0, session = 0;
    rest >> state >> ppid >> pgrp >> session;
    if (session == sid && state != "Z") {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

int thread_count(int pid) {
  return static_cast<int>(os::list_tasks(pid).size());
}

bool catches_signal(int pid, int sig) {
  const std::string status =
      os::read_text_file("/proc/" + std::to_string(pid) + "/status").value_or("");
  const auto at = status.find("SigCgt:");
  if (at == std::string::npos) {
    return false;
  }
  const std::uint64_t mask = std::stoull(status.substr(at + 7), nullptr, 16);
  return ((mask >> (sig - 1)) & 1U) != 0;
}

bool has_children(int pid) {
  const std::string p = std::to_string(pid);
  const std::string children =
      os::read_text_file("/proc/" + p + "/task/" + p + "/children").value_or("");
  return children.find_first_of("0123456789") != std::string::npos;
}

double cpu_seconds(int pid) {
  const std::string stat =
      os::read_text_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  // The command name may hold spaces: fields are counted after its closing parenthesis, where
  // field 3 (state) starts; utime and stime are fields 14 and 15.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) {
    fields >> skip;
  }
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string slurp(const std::string& path) {
  return os::read_text_file(path).value_or("");
}

}  // namespace conc::testing
