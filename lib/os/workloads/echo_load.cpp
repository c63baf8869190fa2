#include "os/workloads/echo_load.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <random>

#include "os/sys/clock.h"

namespace conc::os {

namespace {

void close_all(std::vector<int>& fds) {
  for (int fd : fds) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  fds.clear();
}

bool write_all(int fd, const char* buf, std::size_t n) {
  while (n > 0) {
    // MSG_NOSIGNAL: a peer that hung up is an error here, not a SIGPIPE that ends the process.
    const ssize_t put = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put <= 0) {
      return false;
    }
    buf += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

// A connection's server side, the way a thread-per-connection server is written.
void echo_until_eof(int fd) {
  std::array<char, kEchoRequestBytes> buf{};
  for (;;) {
    const ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0 || !write_all(fd, buf.data(), static_cast<std::size_t>(got))) {
      return;
    }
  }
}

}  // namespace

Connections::~Connections() {
  close_clients();
  close_servers();
}
void Connections::close_clients() {
  close_all(client);
}
void Connections::close_servers() {
  close_all(server);
}

Connections make_connections(std::size_t n) {
  Connections c;
  c.client.reserve(n);
  c.server.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      c.error = errno;
      break;
    }
    c.client.push_back(sv[0]);
    c.server.push_back(sv[1]);
  }
  return c;
}

std::uint64_t raise_fd_limit(std::uint64_t wanted) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (wanted > lim.rlim_max) {
    // Past the hard limit only with CAP_SYS_RESOURCE (root), and never past fs.nr_open.
    std::uint64_t nr_open = wanted;
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
      unsigned long long v = 0;
      if (std::fscanf(f, "%llu", &v) == 1) {
        nr_open = v;
      }
      std::fclose(f);
    }
    const rlimit more{std::min(wanted, nr_open), std::min(wanted, nr_open)};
    if (more.rlim_max > lim.rlim_max && ::setrlimit(RLIMIT_NOFILE, &more) == 0) {
      return more.rlim_cur;
    }
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

std::size_t ThreadPerConnection::start(const std::vector<int>& server_fds, int& error) {
  error = 0;
  threads_.reserve(server_fds.size());
  for (int fd : server_fds) {
    Thread t;
    if (const int err = Thread::start(t, [fd] { echo_until_eof(fd); }); err != 0) {
      error = err;
      break;
    }
    threads_.push_back(std::move(t));
  }
  return threads_.size();
}

void ThreadPerConnection::join() {
  for (Thread& t : threads_) {
    t.join();
  }
  threads_.clear();
}

void EpollEchoServer::start(const std::vector<int>& server_fds) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  stopfd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = stopfd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, stopfd_, &ev);
  for (int fd : server_fds) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ev.data.fd = fd;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  Thread::start(thread_, [this] {
    std::array<epoll_event, 256> events{};
    std::array<char, kEchoRequestBytes> buf{};
    for (;;) {
      const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == stopfd_) {
          return;
        }
        const ssize_t got = ::read(fd, buf.data(), buf.size());
        if (got > 0) {
          write_all(fd, buf.data(), static_cast<std::size_t>(got));
        } else if (got == 0) {
          ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);  // the client hung up
        }
      }
    }
  });
}

void EpollEchoServer::stop() {
  if (stopfd_ < 0) {
    return;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(stopfd_, &one, sizeof one);
  thread_.join();
  ::close(stopfd_);
  ::close(epfd_);
  stopfd_ = epfd_ = -1;
}

namespace {

// The client's view of one connection with a request in flight.
struct InFlight {
  std::int64_t sent_ns = 0;
  std::size_t received = 0;
  bool busy = false;
};

class LoadClient {
 public:
  LoadClient(const std::vector<int>& fds, std::uint64_t seed)
      : fds_(fds), state_(fds.size()), rng_(seed) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fds[i], &ev);
    }
  }
  ~LoadClient() { ::close(epfd_); }
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  EchoLoadResult run(std::size_t active, std::chrono::nanoseconds window) {
    EchoLoadResult r;
    const std::int64_t cpu0 = thread_cpu_ns();
    const std::int64_t start = monotonic_ns();
    const std::int64_t end = start + window.count();
    for (std::size_t i = 0; i < active && in_flight_ < fds_.size(); ++i) {
      send_one(r);
    }
    std::array<epoll_event, 256> events{};
    std::int64_t now = start;
    while (now < end && in_flight_ > 0) {
      const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 100);
      now = monotonic_ns();
      for (int i = 0; i < n; ++i) {
        receive(events[static_cast<std::size_t>(i)].data.u64, now, r);
      }
      while (now < end && in_flight_ < active && in_flight_ + r.broken < fds_.size()) {
        send_one(r);
      }
    }
    r.window_ns = static_cast<double>(monotonic_ns() - start);
    r.client_cpu_ns = thread_cpu_ns() - cpu0;
    return r;
  }

 private:
  void send_one(EchoLoadResult& r) {
    std::uniform_int_distribution<std::size_t> pick(0, fds_.size() - 1);
    std::size_t i = pick(rng_);
    for (int tries = 0; state_[i].busy && tries < 64; ++tries) {
      i = pick(rng_);
    }
    if (state_[i].busy) {
      return;
    }
    std::array<char, kEchoRequestBytes> req{};
    req.fill('r');
    state_[i] = InFlight{monotonic_ns(), 0, true};
    if (!write_all(fds_[i], req.data(), req.size())) {
      ++r.broken;
      return;
    }
    ++in_flight_;
  }

  void receive(std::size_t i, std::int64_t now, EchoLoadResult& r) {
    std::array<char, kEchoRequestBytes> buf{};
    const ssize_t got = ::read(fds_[i], buf.data(), buf.size() - state_[i].received);
    if (got <= 0) {
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fds_[i], nullptr);
      ++r.broken;
      --in_flight_;
      return;
    }
    state_[i].received += static_cast<std::size_t>(got);
    if (state_[i].received == kEchoRequestBytes) {
      r.latencies_ns.push_back(static_cast<double>(now - state_[i].sent_ns));
      ++r.requests;
      state_[i].busy = false;
      --in_flight_;
    }
  }

  const std::vector<int>& fds_;
  std::vector<InFlight> state_;
  std::mt19937_64 rng_;
  int epfd_ = -1;
  std::size_t in_flight_ = 0;
};

}  // namespace

EchoLoadResult drive_echo_load(const std::vector<int>& client_fds, std::size_t active,
                               std::chrono::nanoseconds window, std::uint64_t seed) {
  if (client_fds.empty()) {
    return {};
  }
  LoadClient client(client_fds, seed);
  return client.run(active, window);
}

}  // namespace conc::os
