#include "lifetime.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "commands.h"
#include "os/sys/interrupt.h"
#include "os/sys/terminal.h"

namespace conc::app {

namespace {

// How long a lesson may take to unwind after Ctrl-C before the process ends it itself.
constexpr int kInterruptGraceMs = 700;

// After a stopping signal the lesson normally sees the flag and unwinds; this thread
// guarantees the process ends within the grace period even when it does not (a blocking call,
// a long step). Children die with us (PR_SET_PDEATHSIG, os/sys/child.h); external commands'
// process groups are killed here.
void start_interrupt_watchdog() {
  std::thread([] {
    pollfd pfd{os::interrupt_fd(), POLLIN, 0};
    while (::poll(&pfd, 1, -1) < 0) {
    }
    ::poll(nullptr, 0, kInterruptGraceMs);
    os::kill_registered_groups();
    os::restore_saved_terminal();  // the menu's curses mode, if it is on
    // Worded apart from the normal "interrupted" so a test can tell that the lesson did not
    // stop by itself.
    static const char kMsg[] =
        "\nconc-lab: interrupted (forced: the lesson did not stop in time)\n";
    [[maybe_unused]] auto n = ::write(2, kMsg, sizeof kMsg - 1);
    ::_exit(128 + os::interrupt_signal());
  }).detach();
}

// A closed descriptor 0, 1 or 2 gets /dev/null opened against its use: writes to fd 1 then
// fail with EBADF (reported at exit) instead of landing in whatever file is opened next.
void fill_closed_std_descriptors() {
  for (const int fd : {0, 1, 2}) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int flags = fd == 0 ? O_WRONLY : O_RDONLY;
      const int opened = ::open("/dev/null", flags);
      if (opened >= 0 && opened != fd) {
        ::dup2(opened, fd);
        ::close(opened);
      }
    }
  }
}

}  // namespace

void start_process() {
  fill_closed_std_descriptors();
  // Off a terminal, one large buffer: most output then meets the disk (or /dev/full) in the
  // final flush, whose errno finish_stdout() can name.
  if (::isatty(1) == 0) {
    static char buffer[1 << 20];
    std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  os::install_interrupt_handler();
  start_interrupt_watchdog();
}

int finish_stdout(int status) {
  // std::cout shares stdout's buffer (synced with stdio): one fflush covers both.
  const bool earlier_failure = std::ferror(stdout) != 0 || !std::cout;
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  const int flush_errno = errno;
  const bool close_failed = std::fclose(stdout) != 0;
  const int err = flush_failed ? flush_errno : errno;
  if (!earlier_failure && !flush_failed && !close_failed) {
    return status;
  }
  std::fprintf(stderr, "conc-lab: cannot write to standard output: %s\n",
               err != 0 ? std::strerror(err) : "an earlier write failed");
  return status == kExitOk ? kExitOsFailure : status;
}

}  // namespace conc::app
