#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "os/sys/child.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"

using namespace conc::os;
using std::chrono::milliseconds;

namespace {
// Whether this kernel (and any seccomp filter around us) lets us open a pidfd at all.
bool pidfd_open_works() {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  if (fd < 0) {
    return false;
  }
  ::close(fd);
  return true;
}

// Runs `fn` in a child process and returns its exit status: for tests that change
// process-wide state (limits, signal handlers) the test runner must not see.
ExitStatus in_child(const std::function<int()>& fn) {
  auto c = ChildProcess::spawn(fn);
  const auto s = c.wait_for(milliseconds(10'000));
  return s ? *s : c.kill();
}
}  // namespace

TEST_SUITE("child process") {
  TEST_CASE("the exit status comes back") {
    auto c = ChildProcess::spawn([] { return 3; });
    const auto s = c.wait();
    CHECK(s.exited);
    CHECK(s.code == 3);
    CHECK(s.describe() == "exit 3");
  }

  TEST_CASE("a child killed by a signal says which") {
    auto c = ChildProcess::spawn([] {
      ::raise(SIGTERM);  // not SIGSEGV: ASan would catch that one and exit 1
      return 0;
    });
    const auto s = c.wait();
    CHECK(s.signaled);
    CHECK(s.describe() == "killed by SIGTERM");
  }

  TEST_CASE("a wait sleeps until a child that ends later has ended") {
    auto c = ChildProcess::spawn([] {
      std::this_thread::sleep_for(milliseconds(30));
      return 5;
    });
    const auto s = c.wait();
    CHECK(s.exited);
    CHECK(s.code == 5);
    CHECK_FALSE(c.running());
    CHECK(c.waited_on_pidfd() == pidfd_open_works());
    CHECK(c.wait().code == 5);  // asking again gives the same status, without a second reap
  }

  TEST_CASE("a bounded wait on a running child returns nothing and leaves it running") {
    auto c = ChildProcess::spawn([] {
      ::pause();
      return 0;
    });
    CHECK_FALSE(c.wait_for(milliseconds(20)).has_value());
    CHECK_FALSE(c.wait_for(milliseconds(0)).has_value());
    CHECK(c.running());
    CHECK(::kill(c.pid(), 0) == 0);
    const auto s = c.kill();
    CHECK(s.signaled);
    CHECK(s.signal == SIGKILL);
  }

  TEST_CASE("without a free descriptor for a pidfd, the wait polls instead") {
    const auto outer = in_child([] {
      // The lowest free descriptor becomes the limit: no new descriptor can be opened.
      const int lowest = ::open("/dev/null", O_RDONLY);
      if (lowest < 0) {
        return 10;
      }
      ::close(lowest);
      const rlimit rl{static_cast<rlim_t>(lowest), static_cast<rlim_t>(lowest)};
      if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 11;
      }
      auto c = ChildProcess::spawn([] {
        std::this_thread::sleep_for(milliseconds(20));
        return 4;
      });
      const auto s = c.wait();
      if (c.waited_on_pidfd()) {
        return 12;
      }
      return s.exited && s.code == 4 ? 0 : 13;
    });
    CHECK(outer.describe() == "exit 0");
  }

  TEST_CASE("Ctrl-C during a wait kills the child, reaps it and throws Interrupted") {
    const auto outer = in_child([] {
      install_interrupt_handler();
      auto c = ChildProcess::spawn([] {
        ::kill(::getppid(), SIGINT);  // Ctrl-C for the waiting parent only
        ::pause();
        return 0;
      });
      const pid_t pid = c.pid();
      try {
        c.wait();
        return 20;
      } catch (const Interrupted&) {
        return !c.running() && ::kill(pid, 0) == -1 ? 0 : 21;
      }
    });
    CHECK(outer.describe() == "exit 0");
  }

  TEST_CASE("destroying a running child kills and reaps it") {
    pid_t pid = 0;
    {
      auto c = ChildProcess::spawn([] {
        ::pause();
        return 0;
      });
      pid = c.pid();
      CHECK_FALSE(c.wait_for(milliseconds(20)).has_value());
    }
    CHECK(::kill(pid, 0) == -1);  // gone, and no zombie left to signal
  }

  TEST_CASE("a pipe carries a struct and times out instead of hanging") {
    Pipe p;
    struct Msg {
      int a;
      double b;
    };
    auto c = ChildProcess::spawn([&] { return p.send(Msg{7, 2.5}) ? 0 : 1; });
    Msg m{};
    REQUIRE(p.receive(m, milliseconds(2000)));
    CHECK(m.a == 7);
    CHECK(m.b == 2.5);
    c.wait();
    Msg none{};
    CHECK_FALSE(p.receive(none, milliseconds(30)));  // our own write end keeps it open: timeout
  }
}
