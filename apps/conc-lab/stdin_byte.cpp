#include "stdin_byte.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "os/sys/interrupt.h"

namespace conc::app {

namespace {
constexpr int kPollMs = 100;  // how soon Ctrl-C is noticed while waiting for input
}  // namespace

std::optional<char> read_stdin_byte() {
  for (;;) {
    os::throw_if_interrupted();
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready < 0 && errno != EINTR) {
      return std::nullopt;
    }
    if (ready <= 0) {
      continue;
    }
    char c = 0;
    const auto n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return std::nullopt;
    }
    return c;
  }
}

}  // namespace conc::app
