#include "os/sys/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "os/sys/affinity.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"

namespace conc::os {

namespace {

constexpr int kExecFailed = 127;

// Kills the child's whole process group unless the leader was reaped after a normal end. While
// it lives the group is registered, so that a forced exit (interrupt.h) kills it too.
class GroupKiller {
 public:
  explicit GroupKiller(pid_t group) : group_(group) { register_group(group_); }
  ~GroupKiller() {
    if (armed) {
      ::kill(-group_, SIGKILL);
    }
    unregister_group(group_);
  }
  GroupKiller(const GroupKiller&) = delete;
  GroupKiller& operator=(const GroupKiller&) = delete;
  bool armed = true;

 private:
  pid_t group_;
};

// Starts argv in a process group of its own, pinned to `cpu` (if >= 0), stdin from /dev/null,
// stdout and stderr into `out`. Everything the child needs is prepared before fork: after fork
// it only makes syscalls.
ChildProcess spawn_in_group(const std::vector<std::string>& argv, int cpu, const Pipe& out) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  auto child = ChildProcess::spawn([&]() -> int {
    ::setpgid(0, 0);
    if (cpu >= 0 && !pin_self_nothrow(cpu)) {
      return kExecFailed;
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out.write_fd(), 1) < 0 ||
        ::dup2(out.write_fd(), 2) < 0) {
      return kExecFailed;
    }
    ::execv(args[0], args.data());
    return kExecFailed;
  });
  ::setpgid(child.pid(), child.pid());  // also from here: no race with the first kill
  return child;
}

// Appends what `fd` yields to `output` until EOF (true) or the deadline (false), looking at
// Ctrl-C at least every 50 ms.
bool read_until_eof(int fd, std::int64_t deadline_ns, std::string& output) {
  char buffer[4096];
  while (true) {
    throw_if_interrupted();
    const std::int64_t left_ms = (deadline_ns - monotonic_ns()) / 1'000'000;
    if (left_ms <= 0) {
      return false;
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left_ms, 50)));
    if (ready <= 0) {
      continue;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return true;  // EOF: every process of the group closed its output
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

CommandResult run_captured(const std::vector<std::string>& argv, int cpu,
                           std::chrono::milliseconds timeout) {
  Pipe out;
  ChildProcess child = spawn_in_group(argv, cpu, out);
  GroupKiller killer(child.pid());
  out.close_write();

  CommandResult result;
  const std::int64_t deadline = monotonic_ns() + timeout.count() * 1'000'000;
  if (read_until_eof(out.read_fd(), deadline, result.output)) {
    const std::int64_t left_ms = std::max<std::int64_t>(1, (deadline - monotonic_ns()) / 1'000'000);
    if (auto status = child.wait_for(std::chrono::milliseconds(left_ms))) {
      result.status = *status;
      killer.armed = false;
      return result;
    }
  }
  result.timed_out = true;
  ::kill(-child.pid(), SIGKILL);
  result.status = child.kill();
  return result;
}

}  // namespace conc::os
