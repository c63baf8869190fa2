// The netpoller (netpoll.h for the contract, netpoller.h for the invariants).
#include "runtime/netpoll.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "runtime/netpoller.h"
#include "runtime/sched.h"
#include "runtime/timer.h"

namespace conc::rt::detail {

namespace {

// Events one epoll_wait takes; each readies at most two goroutines (a reader and a writer).
constexpr int kEventsPerPoll = 128;
using Readied = std::array<Fiber*, std::size_t{2} * kEventsPerPoll>;
static_assert(sizeof(Readied) == sizeof(std::array<Fiber*, 256>));

constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

// Takes the waiter out of its slot and claims its wake; readiness nobody could take is kept.
void take_waiter(Fiber*& slot, std::uint64_t seq, bool& ready, Readied& out, int& n) {
  if (Fiber* g = std::exchange(slot, nullptr); g != nullptr && claim_wake(g, seq)) {
    out[static_cast<std::size_t>(n++)] = g;
    return;
  }
  ready = true;
}

}  // namespace

Netpoller::Netpoller(Scheduler* s) : sched_(s) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  breakfd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || breakfd_ < 0) {
    fatal("netpoller: epoll_create1 or eventfd failed");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the break descriptor
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, breakfd_, &ev);
}

Netpoller::~Netpoller() {
  // Descriptors of goroutines that never closed them (abandoned when main returned).
  for (auto& pd : descs_) {
    if (pd->fd >= 0) {
      ::close(pd->fd);
    }
  }
  ::close(breakfd_);
  ::close(epfd_);
}

PollDesc* Netpoller::open(int fd) {
  PollDesc* pd = nullptr;
  {
    std::lock_guard lock(descs_mu_);
    if (free_ != nullptr) {
      pd = std::exchange(free_, free_->next_free);
    } else {
      descs_.push_back(std::make_unique<PollDesc>());
      pd = descs_.back().get();
    }
  }
  pd->lock.lock();
  pd->fd = fd;
  pd->owner = this;
  pd->refs = 0;
  pd->closing = false;
  pd->rready = pd->wready = false;
  pd->rg = pd->wg = nullptr;
  pd->rdeadline = pd->wdeadline = 0;
  pd->lock.unlock();
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    pd->rready = pd->wready = true;  // not pollable (a regular file): never wait on it
  }
  return pd;
}

void Netpoller::release(PollDesc* pd) {
  std::lock_guard lock(descs_mu_);
  pd->next_free = free_;
  free_ = pd;
}

void Netpoller::close_fd(int fd) {
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
}

int Netpoller::poll(int timeout_ms, Readied& out) {
  std::array<epoll_event, kEventsPerPoll> events{};
  const int got = ::epoll_wait(epfd_, events.data(), kEventsPerPoll, timeout_ms);
  int n = 0;
  for (int i = 0; i < got; ++i) {
    const epoll_event& ev = events[static_cast<std::size_t>(i)];
    auto* pd = static_cast<PollDesc*>(ev.data.ptr);
    if (pd == nullptr) {
      if (timeout_ms != 0) {
        drain_break();  // only the blocker consumes an interrupt: it is meant for it
      }
      continue;
    }
    pd->lock.lock();
    if ((ev.events & kReadEvents) != 0) {
      take_waiter(pd->rg, pd->rseq, pd->rready, out, n);
    }
    if ((ev.events & kWriteEvents) != 0) {
      take_waiter(pd->wg, pd->wseq, pd->wready, out, n);
    }
    pd->lock.unlock();
  }
  return n;
}

void Netpoller::drain_break() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto r = ::read(breakfd_, &count, sizeof count);
  break_pending_.store(false, std::memory_order_seq_cst);
}

bool Netpoller::poll_from_worker(Worker* w) {
  Readied ready{};
  const int n = poll(0, ready);
  for (int i = 0; i < n; ++i) {
    sched_->push_local(w, ready[static_cast<std::size_t>(i)]);
  }
  if (n > 1) {
    sched_->maybe_wake();
  }
  return n > 0;
}

void Netpoller::poll_from_monitor() {
  if (waiters() == 0 || blocker_.load() != nullptr) {
    return;  // nothing to poll for, or a sleeping worker is already in epoll_wait
  }
  Readied ready{};
  const int n = poll(0, ready);
  for (int i = 0; i < n; ++i) {
    sched_->ready_from_outside(ready[static_cast<std::size_t>(i)]);
  }
}

Netpoller::Blocked Netpoller::block(Worker* w) {
  Worker* expected = nullptr;
  if (waiters() == 0 || !blocker_.compare_exchange_strong(expected, w)) {
    return Blocked::not_blocker;
  }
  if (w->futex_word.load(std::memory_order_seq_cst) != kAsleep) {
    blocker_.store(nullptr);  // woken between the caller's check and becoming the blocker
    return Blocked::interrupted;
  }
  Readied ready{};
  const int n = poll(-1, ready);
  blocker_.store(nullptr);
  for (int i = 0; i < n; ++i) {
    sched_->push_global(ready[static_cast<std::size_t>(i)]);
  }
  return n > 0 ? Blocked::readied : Blocked::interrupted;
}

void Netpoller::interrupt_if_blocking(Worker* v) {
  if (blocker_.load(std::memory_order_seq_cst) == v &&
      !break_pending_.exchange(true, std::memory_order_seq_cst)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(breakfd_, &one, sizeof one);
  }
}

namespace {

// Cleanup for a goroutine cancelled while it waits (sched.h): take it out of its slot.
struct IoWait {
  PollDesc* pd;
  Fiber* g;
  bool write;
};
void leave_slot(void* arg) {
  auto* wait = static_cast<IoWait*>(arg);
  PollDesc* pd = wait->pd;
  pd->lock.lock();
  Fiber*& slot = wait->write ? pd->wg : pd->rg;
  if (slot == wait->g) {
    slot = nullptr;
  }
  pd->lock.unlock();
}

bool passed(std::int64_t deadline, Scheduler* s) {
  return deadline != 0 && deadline <= s->now_ns();
}

// Waits until the descriptor may be ready again. IoError::none: retry the system call.
IoError wait_ready(PollDesc* pd, bool write) {
  Fiber* g = current_fiber_checked(write ? "PollFd::write()" : "PollFd::read()");
  Scheduler* s = g->sched;
  pd->lock.lock();
  bool& ready = write ? pd->wready : pd->rready;
  const std::int64_t deadline = write ? pd->wdeadline : pd->rdeadline;
  if (pd->closing || ready || passed(deadline, s)) {
    const IoError e = pd->closing                   ? IoError::closed
                      : std::exchange(ready, false) ? IoError::none
                                                    : IoError::deadline;
    pd->lock.unlock();
    return e;
  }
  const std::uint64_t seq = begin_wait(g);
  (write ? pd->wg : pd->rg) = g;
  (write ? pd->wseq : pd->rseq) = seq;
  Netpoller& np = s->netpoller();
  np.add_waiter();
  if (deadline != 0) {
    s->timers().wake_at(deadline, g, seq);
  }
  IoWait self{pd, g, write};
  const Wake wake = park(WaitReason::io_wait, nullptr, &SpinLock::unlock_fn, &pd->lock,
                         Cleanup{&leave_slot, &self});
  np.remove_waiter();
  if (wake == Wake::cancelled) {
    throw_cancelled();
  }
  leave_slot(&self);  // a deadline timer woke us: the poller did not take us out
  return IoError::none;
}

// An operation in flight holds a reference, so close() cannot let the number be reused.
bool begin_op(PollDesc* pd) {
  pd->lock.lock();
  const bool open = !pd->closing;
  pd->refs += open ? 1 : 0;
  pd->lock.unlock();
  return open;
}

void end_op(PollDesc* pd) {
  pd->lock.lock();
  const bool last = --pd->refs == 0 && pd->closing;
  const int fd = last ? std::exchange(pd->fd, -1) : -1;
  pd->lock.unlock();
  if (fd >= 0) {
    pd->owner->close_fd(fd);
  }
}

}  // namespace

}  // namespace conc::rt::detail

namespace conc::rt {

using detail::PollDesc;

const char* to_string(IoError e) {
  switch (e) {
    case IoError::none:
      return "ok";
    case IoError::closed:
      return "use of closed file";
    case IoError::deadline:
      return "i/o timeout";
    case IoError::os:
      return "system call failed";
  }
  return "?";
}

namespace {
// A socket whose peer hung up fails with EPIPE instead of raising SIGPIPE (Go ignores SIGPIPE
// for every descriptor but stdout and stderr); other descriptors are written as they are.
ssize_t send_or_write(int fd, const char* buf, std::size_t n) {
  const ssize_t put = ::send(fd, buf, n, MSG_NOSIGNAL);
  return put < 0 && errno == ENOTSOCK ? ::write(fd, buf, n) : put;
}
}  // namespace

PollFd::PollFd(int fd) {
  detail::Fiber* g = detail::current_fiber_checked("PollFd()");
  pd_ = g->sched->netpoller().open(fd);
}

PollFd::~PollFd() {
  close();
  pd_->owner->release(pd_);
}

IoResult PollFd::read(void* buf, std::size_t n) {
  if (!detail::begin_op(pd_)) {
    return {0, IoError::closed, 0};
  }
  IoResult result;
  for (;;) {
    const ssize_t got = ::read(pd_->fd, buf, n);
    if (got >= 0) {
      result.bytes = static_cast<std::size_t>(got);
      break;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err != EAGAIN && err != EWOULDBLOCK) {
      result = {0, IoError::os, err};
      break;
    }
    if (const IoError e = detail::wait_ready(pd_, false); e != IoError::none) {
      result.error = e;
      break;
    }
  }
  detail::end_op(pd_);
  return result;
}

IoResult PollFd::write(const void* buf, std::size_t n) {
  if (!detail::begin_op(pd_)) {
    return {0, IoError::closed, 0};
  }
  IoResult result;
  const auto* bytes = static_cast<const char*>(buf);
  while (result.bytes < n) {
    const ssize_t put = send_or_write(pd_->fd, bytes + result.bytes, n - result.bytes);
    if (put >= 0) {
      result.bytes += static_cast<std::size_t>(put);
      continue;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err != EAGAIN && err != EWOULDBLOCK) {
      result.error = IoError::os;
      result.err = err;
      break;
    }
    if (const IoError e = detail::wait_ready(pd_, true); e != IoError::none) {
      result.error = e;
      break;
    }
  }
  detail::end_op(pd_);
  return result;
}

namespace {
std::int64_t to_ns(PollFd::TimePoint t) {
  return t == PollFd::TimePoint{}
             ? 0
             : std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

void PollFd::set_read_deadline(TimePoint t) {
  pd_->lock.lock();
  pd_->rdeadline = to_ns(t);
  pd_->lock.unlock();
}

void PollFd::set_write_deadline(TimePoint t) {
  pd_->lock.lock();
  pd_->wdeadline = to_ns(t);
  pd_->lock.unlock();
}

void PollFd::set_deadline(TimePoint t) {
  set_read_deadline(t);
  set_write_deadline(t);
}

void PollFd::close() {
  detail::Readied woken{};
  int n = 0;
  pd_->lock.lock();
  if (pd_->closing) {
    pd_->lock.unlock();
    return;
  }
  pd_->closing = true;
  bool unused_ready = false;
  if (pd_->rg != nullptr) {
    detail::take_waiter(pd_->rg, pd_->rseq, unused_ready, woken, n);
  }
  if (pd_->wg != nullptr) {
    detail::take_waiter(pd_->wg, pd_->wseq, unused_ready, woken, n);
  }
  const int fd = pd_->refs == 0 ? std::exchange(pd_->fd, -1) : -1;
  pd_->lock.unlock();
  for (int i = 0; i < n; ++i) {
    detail::ready(woken[static_cast<std::size_t>(i)]);
  }
  if (fd >= 0) {
    pd_->owner->close_fd(fd);
  }
}

}  // namespace conc::rt
