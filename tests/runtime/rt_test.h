#pragma once
// Shared by the runtime tests: run a program at several worker counts and check that every
// goroutine and every stack came back (marl's leak-checking fixtures, for conc::rt).
#include <doctest/doctest.h>

#include <string>

#include "runtime/runtime.h"

namespace conc::rt::test {

inline constexpr int kWorkerCounts[] = {1, 2, 4, 8};

// Under ThreadSanitizer everything runs 5-15x slower: stress sizes shrink (and say so).
#if defined(CONC_TSAN)
inline constexpr int kScale = 10;
#else
inline constexpr int kScale = 1;
#endif

template <class F>
RunResult run_checked(int workers, F&& main_fn, Config config = {}) {
  config.workers = workers;
  RunResult r = run(std::forward<F>(main_fn), config);
  const RuntimeStats s = stats();
  CHECK_MESSAGE(s.live_goroutines == 0, "goroutines leaked");
  CHECK_MESSAGE(s.stacks_in_use == 0, "stacks leaked");
  CHECK_MESSAGE(s.stacks_compacted == 0, "compacted stacks left over");
  return r;
}

}  // namespace conc::rt::test
