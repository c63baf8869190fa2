#pragma once
// Clocks for experiments. All in nanoseconds as int64 (292 years of range).
// monotonic_ns() is a vDSO call (no syscall): cheap enough to bracket short experiments.

#include <cstdint>

namespace conc::os {

std::int64_t monotonic_ns();
// CPU time consumed by the calling thread / the whole process (all threads).
std::int64_t thread_cpu_ns();
std::int64_t process_cpu_ns();

class Stopwatch {
 public:
  Stopwatch() : start_(monotonic_ns()) {}
  std::int64_t elapsed_ns() const { return monotonic_ns() - start_; }
  double elapsed_ms() const { return static_cast<double>(elapsed_ns()) / 1e6; }
  void restart() { start_ = monotonic_ns(); }

 private:
  std::int64_t start_;
};

}  // namespace conc::os
