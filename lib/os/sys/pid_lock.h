#pragma once
// An advisory lock between processes that says who holds it: flock(2) on a file of its own,
// into which the holder writes its pid (so a waiter can name it).
//
// Invariants: the lock belongs to the open file description, so it is released when the
// PidLock is destroyed or the process ends, whatever the way (a crash included); the file is
// opened close-on-exec, so an external command never holds it; a child forked without exec
// shares it until it ends (lessons reap their children before they return). A stale pid in
// the file (its holder died) is harmless: only the flock decides, and the next holder
// overwrites the pid.

#include <sys/types.h>

#include <filesystem>
#include <functional>

namespace conc::os {

class PidLock {
 public:
  // Opens `path`, creating it and its folder. Throws std::system_error when it cannot (a
  // read-only folder) or when `path` is not a regular file.
  explicit PidLock(const std::filesystem::path& path);
  ~PidLock();
  PidLock(const PidLock&) = delete;
  PidLock& operator=(const PidLock&) = delete;

  // Takes the lock if it is free (then writes this process's pid into the file).
  bool try_lock();
  // Takes the lock, waiting as long as another process holds it: calls `on_wait(holder())`
  // once before waiting, then tries every 50 ms. Throws Interrupted after Ctrl-C (interrupt.h),
  // so a wait ends within one try of the signal.
  void lock(const std::function<void(pid_t holder)>& on_wait);
  bool held() const { return held_; }
  // The pid the holder wrote into the file; 0 when it is unknown (not written yet).
  pid_t holder() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace conc::os
