#pragma once
// A pipe for talking to a child process: plain bytes or trivially copyable structs, with a
// deadline on every read so that a child that died or hung can never hang the lesson.

#include <chrono>
#include <cstddef>
#include <type_traits>

namespace conc::os {

class Pipe {
 public:
  Pipe();  // O_CLOEXEC; throws on failure
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void close_read();
  void close_write();

  // Writes all n bytes (retrying short writes and EINTR); false on error.
  bool write_all(const void* data, std::size_t n);
  // Reads exactly n bytes before the deadline; false on EOF, error or timeout. Polls the
  // interrupt flag and throws Interrupted after Ctrl-C.
  bool read_exact(void* data, std::size_t n, std::chrono::milliseconds timeout);

  template <typename T>
  bool send(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return write_all(&value, sizeof value);
  }
  template <typename T>
  bool receive(T& value, std::chrono::milliseconds timeout) {
    static_assert(std::is_trivially_copyable_v<T>);
    return read_exact(&value, sizeof value, timeout);
  }
  // Blocks until the other side closes its end (EOF) or the timeout passes.
  bool wait_for_close(std::chrono::milliseconds timeout);

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace conc::os
