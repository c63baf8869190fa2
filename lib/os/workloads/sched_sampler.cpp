#include "os/workloads/sched_sampler.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "os/procfs/proc_read.h"
#include "os/procfs/text_file.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"

namespace conc::os {

namespace {

// A task's sched file is a few kilobytes; schedstat one line.
constexpr std::size_t kFileBytes = std::size_t{16} * 1024;

std::string task_path(pid_t pid, pid_t tid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/" + file;
}

int open_file(const std::string& path) {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

// The file printed afresh: pread at offset 0 on an open descriptor, or by path without one.
std::optional<std::string> read_again(int fd, const std::string& path) {
  if (fd < 0) {
    return read_text_file(path);
  }
  std::string text(kFileBytes, '\0');
  std::size_t used = 0;
  for (;;) {
    const ssize_t got =
        ::pread(fd, text.data() + used, text.size() - used, static_cast<off_t>(used));
    if (got < 0) {
      return std::nullopt;  // the task has exited (ESRCH)
    }
    if (got == 0 || used + static_cast<std::size_t>(got) == text.size()) {
      used += static_cast<std::size_t>(got);
      break;
    }
    used += static_cast<std::size_t>(got);
  }
  text.resize(used);
  return text;
}

}  // namespace

TaskFiles::TaskFiles(pid_t pid, std::vector<pid_t> tids, bool with_sched)
    : pid_(pid), tids_(std::move(tids)), with_sched_(with_sched) {
  stat_fds_.assign(tids_.size(), -1);
  sched_fds_.assign(tids_.size(), -1);
  try {
    for (std::size_t i = 0; i < tids_.size(); ++i) {
      if (i % 64 == 63) {
        throw_if_interrupted();
      }
      stat_fds_[i] = open_file(task_path(pid_, tids_[i], "schedstat"));
      if (with_sched_) {
        sched_fds_[i] = open_file(task_path(pid_, tids_[i], "sched"));
      }
    }
  } catch (...) {
    for (const int fd : stat_fds_) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    for (const int fd : sched_fds_) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    throw;
  }
}

TaskFiles::~TaskFiles() {
  for (const auto* fds : {&stat_fds_, &sched_fds_}) {
    for (const int fd : *fds) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
}

std::size_t TaskFiles::opened() const {
  std::size_t n = 0;
  for (const auto* fds : {&stat_fds_, &sched_fds_}) {
    for (const int fd : *fds) {
      n += fd >= 0 ? 1 : 0;
    }
  }
  return n;
}

std::optional<SchedStat> TaskFiles::schedstat(std::size_t i) const {
  const auto text = read_again(stat_fds_[i], task_path(pid_, tids_[i], "schedstat"));
  return text ? parse_schedstat(*text) : std::nullopt;
}

std::optional<TaskSched> TaskFiles::sched(std::size_t i) const {
  const auto text = read_again(sched_fds_[i], task_path(pid_, tids_[i], "sched"));
  return text ? std::optional<TaskSched>(parse_task_sched(*text)) : std::nullopt;
}

TaskSnapshot snapshot_tasks(const TaskFiles& files, bool with_sched, const WorkCounter& work,
                            SnapshotLimits limits) {
  const auto& tids = files.tids();
  const std::size_t count = std::min(limits.count, tids.size());
  TaskSnapshot snap;
  snap.tasks.reserve(count);
  snap.begin_ns = monotonic_ns();
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 64 == 63) {
      throw_if_interrupted();  // a thousand tasks take milliseconds, more when the CPU is shared
    }
    if (limits.deadline_ns > 0 && monotonic_ns() > limits.deadline_ns) {
      snap.unread = static_cast<int>(count - i);
      break;
    }
    TaskSample s;
    s.tid = tids[i];
    s.stat = files.schedstat(i);
    if (with_sched && files.has_sched()) {
      s.sched = files.sched(i);
    }
    if (work) {
      s.work = work(i);
    }
    s.t_ns = monotonic_ns();
    snap.tasks.push_back(s);
  }
  snap.end_ns = monotonic_ns();
  return snap;
}

std::int64_t SchedWindow::deadline() const {
  return bound_ns_ > 0 ? monotonic_ns() + bound_ns_ : 0;
}

void SchedWindow::begin() {
  before_ = snapshot_tasks(files_, with_sched_, work_, {SIZE_MAX, deadline()});
}

WindowStats SchedWindow::end() const {
  return summarize_window(
      before_, snapshot_tasks(files_, with_sched_, work_, {before_.tasks.size(), deadline()}));
}

}  // namespace conc::os
