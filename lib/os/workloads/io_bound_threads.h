#pragma once
// An I/O-bound thread-per-connection server in miniature, on ONE CPU: N worker threads each
// block on their own eventfd (their "connection"); a driver thread pings every worker, each
// wakes, does a few microseconds of work, signals a completion eventfd and blocks again; the
// driver waits for all N completions and pings again. Every request is a wake-up and a switch
// in and out, the pattern in which switching, unlike for busy threads, can dominate the CPU.
//
//   driver ──eventfd──► worker i: work (work_units), completion ──eventfd──► driver
//
// Measured over a window once the load runs: requests served, the workers' own switches
// (voluntary and involuntary, /proc/self/task/<tid>/status, read just before and just after the
// window: the driver's and the rest of the process's are left out), the process's CPU time
// split into user and kernel (getrusage), and the share of that CPU time that was the
// useful work (requests × one request's work timed alone, on the same CPU). Bounded: threads
// that cannot be created are reported, and the load runs with those it got; every thread is
// stopped through its eventfd and joined, on every path.

#include <chrono>
#include <string>

namespace conc::os {

struct IoBoundConfig {
  int threads = 8;
  int cpu = 0;
  long work_units = 2'000;  // the loop iterations a request does (a few microseconds)
  std::chrono::milliseconds warmup{20};
  std::chrono::milliseconds window{100};
};

struct IoBoundResult {
  int threads_requested = 0;
  int threads_started = 0;
  std::string limit;  // why fewer started (the error), "" when all did
  double window_s = 0;
  double requests_per_s = 0;
  double switches_per_s = 0;  // the workers' own switches (voluntary and involuntary)
  int threads_counted = 0;    // workers whose switches could be read before and after
  double cpu_share = 0;       // (user + kernel CPU time) ÷ window
  double kernel_share = 0;    // kernel CPU time ÷ (user + kernel)
  double work_ns = 0;         // one request's work, timed alone on the same CPU
  // 1 − useful work time ÷ CPU time: what the waking, switching and the system calls took.
  double switching_share = 0;
};

IoBoundResult run_io_bound(const IoBoundConfig& config);

}  // namespace conc::os
