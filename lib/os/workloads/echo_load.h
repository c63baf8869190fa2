#pragma once
// The connection half of C10K (Kegel's problem): N connections, a few of them busy at a time,
// served three ways. This file holds what is plain Linux: the connections (Unix socketpairs,
// so no loopback ports run out), a thread-per-connection echo server, a one-thread epoll echo
// server, and the client that loads any of them. The goroutine server, which needs the
// runtime, is the c10k lesson's own.
//
// The client is closed-loop: it keeps `active` requests in flight on as many connections
// drawn at random, sends each a small request, waits for its echo, and then draws another
// connection, for a fixed window. Every request's round trip is timed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/sys/thread.h"

namespace conc::os {

inline constexpr std::size_t kEchoRequestBytes = 64;

// N connected socketpairs: client ends and server ends, both blocking, close-on-exec.
struct Connections {
  std::vector<int> client;
  std::vector<int> server;
  int error = 0;  // errno of the socketpair that failed, when fewer than asked were made
  ~Connections();
  void close_clients();
  void close_servers();
};
Connections make_connections(std::size_t n);

// RLIMIT_NOFILE raised for `wanted` descriptors: to `wanted` when the process may raise its
// hard limit (root; never past fs.nr_open), else to the hard limit. Returns the limit in force.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

// One kernel thread per connection, blocked in read() on it: echoes until end of file.
class ThreadPerConnection {
 public:
  // Starts a thread per server fd until one cannot be created. Returns how many started;
  // `error` holds pthread_create's errno when fewer than all did.
  std::size_t start(const std::vector<int>& server_fds, int& error);
  // Waits for every thread to see end of file (the caller closed the client ends).
  void join();
  ~ThreadPerConnection() { join(); }

 private:
  std::vector<Thread> threads_;
};

// One thread, one epoll instance over every connection (the C10K paper's answer).
class EpollEchoServer {
 public:
  void start(const std::vector<int>& server_fds);
  void stop();
  ~EpollEchoServer() { stop(); }

 private:
  int epfd_ = -1;
  int stopfd_ = -1;
  Thread thread_;
};

struct EchoLoadResult {
  std::uint64_t requests = 0;        // round trips completed in the window
  std::vector<double> latencies_ns;  // one per request
  double window_ns = 0;
  std::int64_t client_cpu_ns = 0;  // the client thread's own CPU time in the window
  std::uint64_t broken = 0;        // connections that failed (no echo, an error)
};

// Loads the server behind `client_fds` for `window`, `active` requests in flight.
EchoLoadResult drive_echo_load(const std::vector<int>& client_fds, std::size_t active,
                               std::chrono::nanoseconds window, std::uint64_t seed);

}  // namespace conc::os
