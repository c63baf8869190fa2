// Lesson goroutines' verdict rules on synthetic figures, each named for the machine it stands for.

#include <doctest/doctest.h>

#include "lessons/goroutines/goroutines.h"

using namespace conc::lessons::goroutines;
using conc::report::Verdict;

namespace {
// A 2-CPU VM: 100,000 goroutines at ~4 KiB each, threads at ~8 KiB resident.
HerdView two_cpu_vm() {
  HerdView v;
  v.requested = v.parked = 100'000;
  v.rss_per_goroutine = 4200;
  v.ns_per_spawn = 500;
  v.workers = 2;
  v.threads_before = 2;
  v.threads_while_parked = 5;
  v.threads_created = 2000;
  v.rss_per_thread = 8 * 1024;
  v.ns_per_thread = 30'000;
  return v;
}
}  // namespace

TEST_SUITE("goroutines verdicts") {
  TEST_CASE("C28: W workers in /proc/self/task confirm; a thread per goroutine contradicts") {
    CHECK(judge_c28(two_cpu_vm()).verdict == Verdict::confirmed);
    auto one_to_one = two_cpu_vm();  // a 1:1 runtime: a kernel task per goroutine
    one_to_one.threads_while_parked = 100'002;
    CHECK(judge_c28(one_to_one).verdict == Verdict::contradicted);
    auto helpers = two_cpu_vm();  // a runtime with a few dozen helper threads
    helpers.threads_while_parked = 40;
    CHECK(judge_c28(helpers).verdict == Verdict::nuanced);
  }
  TEST_CASE("C31: 100,000 parked and a thread twice a goroutine is nuanced; refused contradicts") {
    CHECK(judge_c31(two_cpu_vm()).verdict == Verdict::nuanced);
    auto go_like = two_cpu_vm();  // Go's own figures: ~2.6 KiB per goroutine vs 8 KiB+ threads
    go_like.rss_per_goroutine = 1500;
    CHECK(judge_c31(go_like).verdict == Verdict::confirmed);
    auto strict_overcommit = two_cpu_vm();  // vm.overcommit_memory=2 refusing reservations
    strict_overcommit.parked = 30'000;
    strict_overcommit.refused = "mmap goroutine stacks: Cannot allocate memory";
    CHECK(judge_c31(strict_overcommit).verdict == Verdict::contradicted);
  }
  TEST_CASE(
      "C29: a page per goroutine is nuanced; Go's 2 KiB confirms; 64 KiB committed contradicts") {
    StackView conc_rt{4200, 1100, 2048, 65536, 900, 70'000, true};
    CHECK(judge_c29(conc_rt).verdict == Verdict::nuanced);
    StackView go{2600, 0, 2048, 2048, 300, 0, true};
    CHECK(judge_c29(go).verdict == Verdict::confirmed);
    StackView committed{65536, 0, 2048, 65536, 900, 0, true};  // stacks committed up front
    CHECK(judge_c29(committed).verdict == Verdict::contradicted);
  }
  TEST_CASE("C30: 3 extra instructions confirm, 12 contradict, no counters nuanced") {
    CHECK(judge_c30({2.0, 2.3, 10.0, 13.0, ""}).verdict == Verdict::confirmed);
    CHECK(judge_c30({2.0, 4.0, 10.0, 22.0, ""}).verdict == Verdict::contradicted);
    CHECK(judge_c30({2.0, 2.3, std::nullopt, std::nullopt, "VM"}).verdict == Verdict::nuanced);
    CHECK(judge_c30({2.0, 2.0, 10.0, 10.0, ""}).verdict == Verdict::not_judged);
  }
  TEST_CASE("C34: 64 bytes against an AVX-512 XSAVE area confirm; ucontext's syscall contradicts") {
    CHECK(judge_c34({64, 2696.0, 30, 2000}).verdict == Verdict::confirmed);
    CHECK(judge_c34({936, 832.0, 1600, 1500}).verdict == Verdict::contradicted);
    CHECK(judge_c34({64, std::nullopt, 30, 2000}).verdict == Verdict::not_judged);
  }
  TEST_CASE(
      "C35: two workers used confirm; one worker is N:1; a thread per goroutine contradicts") {
    CHECK(judge_c35({2, 16, 2, 5, 3, 2}).verdict == Verdict::confirmed);
    CHECK(judge_c35({1, 16, 1, 0, 0, 1}).verdict == Verdict::nuanced);
    CHECK(judge_c35({16, 16, 16, 0, 0, 16}).verdict == Verdict::contradicted);
  }
  TEST_CASE("schedtrace line in Go's shape") {
    CHECK(schedtrace_line({100, 2, 0, {3, 4}}) ==
          "SCHED 100ms: gomaxprocs=2 idleprocs=0 runqueue=7 [3 4]");
  }
}
