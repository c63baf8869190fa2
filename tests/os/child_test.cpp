#include <doctest/doctest.h>

#include <signal.h>

#include "os/child.h"
#include "os/pipe.h"

using namespace conc::os;
using std::chrono::milliseconds;

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
