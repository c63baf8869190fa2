// conc-lab and terminals: no arguments open the menu only when stdin and stdout are both
// terminals (otherwise the syllabus, at once, never waiting for input); the progress line shows
// only when stderr is a terminal and never with --json.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "run_process.h"

namespace {

struct Attached {
  bool timed_out = false;
  int exit_code = -1;
  std::string out;
  std::string err;
};

// One stream of the child: a terminal (a pty of its own) or a pipe.
struct Stream {
  int parent = -1;  // our end: the pty's master, or the pipe's other end
  int child = -1;   // the child's descriptor: the pty's slave, or the pipe's end
  Stream(bool terminal, bool child_reads) {
    int fds[2];
    if (terminal) {
      REQUIRE(::openpty(&parent, &child, nullptr, nullptr, nullptr) == 0);
    } else {
      REQUIRE(::pipe(fds) == 0);
      parent = child_reads ? fds[1] : fds[0];
      child = child_reads ? fds[0] : fds[1];
    }
    ::fcntl(parent, F_SETFD, FD_CLOEXEC);
  }
  ~Stream() {
    if (parent >= 0) {
      ::close(parent);
    }
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};

// Runs conc-lab with stdin, stdout and stderr each a terminal or a pipe. Nothing is ever written
// to stdin and our end stays open, so a conc-lab that waited for input would wait until the
// deadline (then it is killed and timed_out says so).
Attached run_attached(const std::vector<std::string>& args, bool in_tty, bool out_tty, bool err_tty,
                      std::chrono::seconds limit = std::chrono::seconds(60)) {
  Stream in(in_tty, true), out(out_tty, false), err(err_tty, false);
  std::vector<std::string> argv_s{CONC_LAB_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& s : argv_s) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::dup2(in.child, 0);
    ::dup2(out.child, 1);
    ::dup2(err.child, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  for (const Stream* s : {&in, &out, &err}) {
    ::close(s->child);
  }
  Attached a;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::array<pollfd, 2> fds{{{out.parent, POLLIN, 0}, {err.parent, POLLIN, 0}}};
  int open = 2;
  while (open > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      a.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) {
      continue;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        char buf[4096];
        const auto n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {  // end of a pipe; EIO from a pty whose slave is closed
          fds[i].fd = -1;
          --open;
        } else {
          (i == 0 ? a.out : a.err).append(buf, static_cast<std::size_t>(n));
        }
      }
    }
  }
  a.exit_code = conc::testing::wait_exit(pid);
  return a;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What a progress line leaves in a stream: a carriage return and erase to end of line.
const std::string kProgressMark = "\r\033[K";

}  // namespace

TEST_SUITE("terminals") {
  TEST_CASE("no arguments, stdin and stdout not terminals: the syllabus at once, exit 0") {
    const auto r = run_attached({}, false, false, false);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, "Syllabus"));
    CHECK(r.err.empty());
  }

  TEST_CASE("no arguments, only one of stdin and stdout a terminal: still no menu") {
    for (const bool in_tty : {true, false}) {
      CAPTURE(in_tty);
      const auto r = run_attached({}, in_tty, !in_tty, false);
      CHECK_FALSE(r.timed_out);
      CHECK(r.exit_code == 0);
      CHECK(has(r.out, "Syllabus"));
      CHECK_FALSE(has(r.out, "Enter run"));
    }
  }

  TEST_CASE("a lesson's progress line: on a terminal stderr, never with --json or a pipe") {
    // c10k's quick run has one experiment of about two seconds: long enough to be drawn.
    const std::vector<std::string> lesson = {"lesson", "c10k", "--quick"};
    const auto drawn = run_attached(lesson, false, false, true);
    CHECK(drawn.exit_code == 0);
    CHECK(has(drawn.err, kProgressMark));
    CHECK(has(drawn.err, "c10k"));
    CHECK_FALSE(has(drawn.out, kProgressMark));  // stdout, the report, is never mixed with it

    auto json = lesson;
    json.emplace_back("--json");
    const auto quiet = run_attached(json, false, false, true);
    CHECK(quiet.exit_code == 0);
    CHECK_FALSE(has(quiet.err, kProgressMark));
    CHECK_FALSE(has(quiet.err, "c10k:"));

    const auto piped = run_attached(lesson, false, false, false);
    CHECK(piped.exit_code == 0);
    CHECK_FALSE(has(piped.err, kProgressMark));
    CHECK_FALSE(has(piped.err, "c10k:"));
  }
}
