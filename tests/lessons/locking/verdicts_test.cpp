#include <doctest/doctest.h>

#include "lessons/locking/locking.h"

using namespace conc;
using namespace conc::lessons::locking;
using report::Verdict;

TEST_SUITE("lesson locking") {
  TEST_CASE("C25: a flat mutex beside scaling shards confirms; a mutex that scales contradicts") {
    // An idle 8-CPU machine: the mutex falls, the shards scale nearly 8 times.
    CHECK(judge_c25({8, 8, 0.6, 7.4}).verdict == Verdict::confirmed);
    // A machine whose "mutex" is elided (lock elision): it scales like the shards.
    CHECK(judge_c25({8, 8, 7.0, 6.8}).verdict == Verdict::contradicted);
    // A busy 2-CPU machine where neither scaled.
    const auto busy = judge_c25({2, 8, 0.9, 1.1});
    CHECK(busy.verdict == Verdict::nuanced);
    CHECK(busy.because.find("cannot pass 2") == std::string::npos);
    CHECK(busy.because.find("no speed-up can pass 2") != std::string::npos);
    // One CPU: nothing can scale, so nothing is judged.
    CHECK(judge_c25({1, 8, 0.9, 1.0}).verdict == Verdict::not_judged);
  }

  TEST_CASE("Amdahl's law") {
    CHECK(amdahl(0.0, 4) == doctest::Approx(4.0));
    CHECK(amdahl(0.25, 4) == doctest::Approx(1 / (0.25 + 0.75 / 4)));
    CHECK(amdahl(1.0, 8) == doctest::Approx(1.0));
  }
}
