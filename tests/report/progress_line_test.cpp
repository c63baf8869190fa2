// The progress line: what it says (a pure function), when it may be shown at all, and that on a
// terminal it draws and then clears itself.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "report/progress_line.h"

using conc::report::progress_duration;
using conc::report::progress_text;
using conc::report::ProgressLine;
using conc::report::ProgressState;

namespace {

// Everything readable on `fd` until `done(text)` or `wait` has passed (generous by default: a
// loaded machine).
template <typename Done>
std::string read_until(int fd, Done done,
                       std::chrono::milliseconds wait = std::chrono::seconds(20)) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!done(text) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      char buf[4096];
      const auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  return text;
}

struct Pty {
  int master = -1;
  int slave = -1;
  Pty() { REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0); }
  ~Pty() {
    ::close(master);
    ::close(slave);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
};

}  // namespace

TEST_SUITE("progress line") {
  TEST_CASE("a spinner with the time so far when the steps are unknown") {
    const std::string line = progress_text({"measuring switches", 0, 0}, 3.24, 80, 1);
    CHECK(line == "/ 3.2 s · measuring switches");
  }

  TEST_CASE("a bar, the steps and the time left at the pace so far when they are known") {
    const std::string line = progress_text({"ping-pongs", 1, 4}, 2.0, 80, 0);
    CHECK(line == "[####............] 1/4 · 2.0 s, about 6.0 s left · ping-pongs");
    // No guess before the first steps give a pace, none once done.
    CHECK(progress_text({"x", 0, 100}, 1.0, 80, 0).find("left") == std::string::npos);
    CHECK(progress_text({"x", 100, 100}, 1.0, 80, 0).find("left") == std::string::npos);
  }

  TEST_CASE("the line is cut to the width minus three columns, never mid-character") {
    const std::string what(200, 'w');
    const std::string line = progress_text({what, 0, 0}, 1.0, 40, 0);
    CHECK(line.size() == 37 + 1);  // 37 columns, one of them the two-byte "·"
    CHECK(progress_text({what, 0, 0}, 1.0, 5, 0) == "| ");
  }

  TEST_CASE("durations read as seconds, then minutes and seconds") {
    CHECK(progress_duration(0.04) == "0.0 s");
    CHECK(progress_duration(59.9) == "59.9 s");
    CHECK(progress_duration(65) == "1 min 05 s");
  }

  TEST_CASE("shown only on a terminal, and never for --json") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    CHECK_FALSE(ProgressLine::wanted(fds[1], false));
    ::close(fds[0]);
    ::close(fds[1]);
    const Pty pty;
    CHECK(ProgressLine::wanted(pty.slave, false));
    CHECK_FALSE(ProgressLine::wanted(pty.slave, true));
  }

  TEST_CASE("on a terminal it draws after a moment and clears the line when it ends") {
    const Pty pty;
    {
      ProgressLine line(pty.slave);
      line.start("counting sheep");
      const std::string drawn = read_until(pty.master, [](const std::string& t) {
        return t.find("counting sheep") != std::string::npos;
      });
      CHECK(drawn.find("counting sheep") != std::string::npos);
    }
    // The destructor erased it: carriage return, erase to the end of the line.
    const std::string rest = read_until(pty.master, [](const std::string& t) {
      return t.size() >= 4 && t.compare(t.size() - 4, 4, "\r\033[K") == 0;
    });
    CHECK(rest.size() >= 4);
    CHECK(rest.compare(rest.size() - 4, 4, "\r\033[K") == 0);
  }

  TEST_CASE("a step cleared before kShowAfter is never drawn, nor anything after it") {
    const Pty pty;
    ProgressLine line(pty.slave);
    line.start("quick");
    line.clear();
    // Twice the delay: a line still active would have been drawn by then.
    const auto wait = 3 * ProgressLine::kShowAfter;
    CHECK(read_until(
              pty.master, [](const std::string&) { return false; }, wait)
              .empty());
  }
}
