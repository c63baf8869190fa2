#pragma once
// Non-blocking file descriptors for goroutines: Go's netpoller.
//
// A PollFd owns a file descriptor (a socket, a pipe end, an eventfd) and puts it in
// non-blocking mode. read() and write() make the system call; when it would block (EAGAIN),
// the goroutine parks on the descriptor, like a channel receive, instead of blocking its
// worker thread. One epoll instance per run() watches every such descriptor, registered once,
// edge-triggered (as Go does); when epoll says ready, the parked goroutine is made runnable.
//
//   rt::run([] {
//     int sv[2];
//     ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
//     rt::PollFd a(sv[0]), b(sv[1]);
//     rt::go([&] { char c; b.read(&c, 1); b.write(&c, 1); });   // echo one byte
//     a.write("x", 1);
//     char back;
//     a.read(&back, 1);
//   });
//
// Who polls, and when (Go's findrunnable and sysmon):
//   - a worker that runs out of goroutines polls without blocking before it goes to sleep;
//   - one sleeping worker at a time blocks in epoll_wait instead of on its futex while any
//     goroutine waits on a descriptor; a waker interrupts it through an eventfd;
//   - the monitor thread polls without blocking at every tick, so a ready descriptor is
//     noticed within a tick even while every worker is busy running goroutines.
// A goroutine waiting on a descriptor is not "asleep" for the deadlock detector (Go's rule:
// the network may still wake it), so a program blocked only on I/O is not a deadlock.
//
// Semantics, as Go's os.File / net.Conn:
//   - read returns as soon as some bytes are there (0 bytes and no error is end of file);
//     write returns when all bytes are written or an error stops it (the count says how many);
//   - a deadline (set_read_deadline, set_write_deadline) makes a waiting operation return
//     IoError::deadline ("i/o timeout", Go's os.ErrDeadlineExceeded); a deadline already past
//     fails at once. Differs from Go: a deadline changed while an operation waits applies
//     from the next wait, not to the one in progress;
//   - close() wakes every goroutine waiting on the descriptor with IoError::closed
//     ("use of closed file", Go's os.ErrClosed); the descriptor number itself is closed when
//     the last operation in flight has returned, so it is never reused under a running read.
// Preconditions: a PollFd is created, used and destroyed by goroutines of one run(), and is
// destroyed before that run() returns.

#include <chrono>
#include <cstddef>

namespace conc::rt {

namespace detail {
struct PollDesc;
}

enum class IoError {
  none,
  closed,    // the descriptor was closed (before or during the operation)
  deadline,  // the deadline passed
  os,        // the system call failed: IoResult::err holds errno
};
// Go's words: "use of closed file", "i/o timeout"; the errno's text for IoError::os.
const char* to_string(IoError e);

struct IoResult {
  std::size_t bytes = 0;
  IoError error = IoError::none;
  int err = 0;  // errno when error == IoError::os
  bool ok() const { return error == IoError::none; }
};

class PollFd {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Takes ownership of fd, makes it non-blocking and registers it with this run's poller.
  explicit PollFd(int fd);
  ~PollFd();
  PollFd(const PollFd&) = delete;
  PollFd& operator=(const PollFd&) = delete;

  IoResult read(void* buf, std::size_t n);
  IoResult write(const void* buf, std::size_t n);
  // TimePoint{} (the default) means no deadline.
  void set_read_deadline(TimePoint t);
  void set_write_deadline(TimePoint t);
  void set_deadline(TimePoint t);
  // Wakes the waiters (IoError::closed); later operations fail the same way. Idempotent.
  void close();

 private:
  detail::PollDesc* pd_;
};

}  // namespace conc::rt
