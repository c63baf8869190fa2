#include "os/sys/pid_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "os/sys/error.h"
#include "os/sys/interrupt.h"

namespace conc::os {

namespace {
// How often a waiter tries again: short enough that Ctrl-C ends the wait at once.
constexpr auto kRetryPeriod = std::chrono::milliseconds(50);
}  // namespace

PidLock::PidLock(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd_ < 0) {
    throw_errno("cannot open the lock file " + path.string());
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw_errno("the lock file " + path.string() + " is not a regular file", EINVAL);
  }
}

PidLock::~PidLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // closing releases the flock
  }
}

bool PidLock::try_lock() {
  if (held_) {
    return true;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK || errno == EINTR) {
      return false;
    }
    throw_errno("cannot lock " + path_.string());
  }
  held_ = true;
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the pid only names the holder in another process's notice.
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
  return true;
}

void PidLock::lock(const std::function<void(pid_t)>& on_wait) {
  if (try_lock()) {
    return;
  }
  on_wait(holder());
  while (!try_lock()) {
    throw_if_interrupted();
    std::this_thread::sleep_for(kRetryPeriod);
  }
}

pid_t PidLock::holder() const {
  char buf[32] = {};
  const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) {
    return 0;
  }
  pid_t pid = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    pid = pid * 10 + (buf[i] - '0');
    if (pid > 1'000'000'000) {
      return 0;
    }
  }
  return pid;
}

}  // namespace conc::os
