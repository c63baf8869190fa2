#include "os/sys/pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "os/sys/clock.h"
#include "os/sys/error.h"
#include "os/sys/interrupt.h"

namespace conc::os {

Pipe::Pipe() {
  if (::pipe2(fds_, O_CLOEXEC) != 0) {
    throw_errno("pipe2");
  }
}

Pipe::~Pipe() {
  close_read();
  close_write();
}

void Pipe::close_read() {
  if (fds_[0] >= 0) {
    ::close(fds_[0]);
    fds_[0] = -1;
  }
}

void Pipe::close_write() {
  if (fds_[1] >= 0) {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
}

bool Pipe::write_all(const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fds_[1], p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool Pipe::read_exact(void* data, std::size_t n, std::chrono::milliseconds timeout) {
  auto* p = static_cast<char*>(data);
  const std::int64_t deadline = monotonic_ns() + timeout.count() * 1'000'000;
  while (n > 0) {
    throw_if_interrupted();
    const std::int64_t left_ms = (deadline - monotonic_ns()) / 1'000'000;
    if (left_ms < 0) {
      return false;
    }
    // Wake at least every 50 ms to notice Ctrl-C.
    pollfd pfd{fds_[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left_ms, 50)));
    if (ready < 0 && errno != EINTR) {
      return false;
    }
    if (ready <= 0) {
      continue;
    }
    const ssize_t r = ::read(fds_[0], p, n);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return false;  // EOF: the writer is gone
    }
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool Pipe::wait_for_close(std::chrono::milliseconds timeout) {
  char byte = 0;
  // read_exact fails on EOF (what we wait for) and on timeout; tell them apart by time.
  const std::int64_t start = monotonic_ns();
  while (read_exact(&byte, 1, timeout)) {
  }
  return monotonic_ns() - start < timeout.count() * 1'000'000;
}

}  // namespace conc::os
