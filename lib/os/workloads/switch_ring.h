#pragma once
// lmbench's lat_ctx, rebuilt: a ring of N tasks pinned to ONE CPU passes a one-byte token
// through N pipes; each task, on receiving it, touches its own working set (reads every word)
// and hands it on. With one CPU and every other member blocked, each hand-off is a context
// switch, and the next member finds its working set (and, between processes, its TLB entries)
// where the previous members' left them: evicted, once the ring's data outgrow the caches.
//
//   member 0 ──pipe──► member 1 ──pipe──► ... ──pipe──► member N−1 ──pipe──► member 0
//
// Per hop = one switch + one pipe write + one pipe read + one touch of a working set. The
// part that is not the switch is timed alone, as lat_ctx does: one task writing its own pipe,
// reading it back and touching its working set (ring_overhead_ns). per switch = hop − that.
//
// Threads share one address space; processes have one each, so a ring of processes rotates N
// address spaces through the CPU: on x86 the kernel keeps a few address-space IDs (PCIDs) per
// CPU, and past that a switch flushes the TLB again.
//
// Bounded: member 0 times and reports through shared memory; the caller's thread supervises
// with a deadline, polls the interrupt flag, and stops the ring by writing a stop byte into
// every pipe (threads) or killing the children (processes, which also die with the caller's
// thread: PR_SET_PDEATHSIG).

#include <chrono>
#include <cstddef>
#include <vector>

#include "os/workloads/pingpong.h"

namespace conc::os {

inline constexpr int kMaxRingMembers = 64;
inline constexpr int kMaxRingRepetitions = 64;

struct RingConfig {
  int members = 2;  // 2 .. kMaxRingMembers
  Partners partners = Partners::processes;
  int cpu = 0;
  std::size_t working_set_bytes = std::size_t{16} * 1024;
  long laps = 200;        // timed laps per repetition (a lap = `members` hops)
  long warmup_laps = 50;  // untimed, before the first repetition
  int repetitions = 3;    // 1 .. kMaxRingRepetitions
  std::chrono::milliseconds timeout{10'000};
};

struct RingResult {
  RingConfig config;
  std::vector<double> hop_ns;  // per repetition: lap time / members
  bool on_cpu = false;         // member 0 ran on config.cpu after pinning
};

// Runs one ring. Throws Interrupted on Ctrl-C, std::runtime_error when the deadline passes or a
// member fails, std::system_error when a thread or process cannot be created.
RingResult run_ring(const RingConfig& config);

// What a hop costs without a switch: pipe write + read by one task pinned to `cpu`, plus one
// touch of a working set of that size; one figure per repetition (the fastest of a few batches
// of `hops`, as an interruption only ever adds time).
std::vector<double> ring_overhead_ns(int cpu, std::size_t working_set_bytes, long hops,
                                     int repetitions);

// Reads every word of `words` (the working-set touch), returns their sum so it is not elided.
std::uint64_t touch_working_set(const std::vector<std::uint64_t>& words);

}  // namespace conc::os
