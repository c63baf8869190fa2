// The verdict rules of lesson `context-switch` on synthetic numbers (pure: no timing here).

#include <doctest/doctest.h>

#include <string>

#include "lessons/context_switch/context_switch.h"

using namespace conc;
using namespace conc::lessons::context_switch;
using report::Verdict;

namespace {

const Trust kTrusted{};
const Trust kUntrusted{false, "threads, futex: 0.02 voluntary + 2.00 involuntary switches"};

bool says(const report::ClaimVerdict& v, const std::string& text) {
  return v.because.find(text) != std::string::npos;
}

C15Path path(double thread_ns, double process_ns) {
  const double r = process_ns / thread_ns;
  return {thread_ns, process_ns, r * 0.95, r * 1.05};
}

}  // namespace

TEST_SUITE("lesson context-switch: verdicts") {
  TEST_CASE("C14: judged on the CPU share switching takes at an I/O-bound server's rate") {
    // PTI guest: 3 µs per thread switch = 30% of a CPU at 100,000 switches/s.
    const auto guest = judge_c14(3000, 2, 1200, kTrusted);
    CHECK(guest.verdict == Verdict::confirmed);
    CHECK(says(guest, "30.0%"));
    // Bare metal with PCID: 500 ns per switch = 5% at the server's rate.
    CHECK(judge_c14(500, 1, 70, kTrusted).verdict == Verdict::nuanced);
    // A switch under 100 ns would be cheap even for a switch-per-request design.
    CHECK(judge_c14(60, 1, 50, kTrusted).verdict == Verdict::contradicted);
    // Busy machine: noise ate the switch.
    CHECK(judge_c14(-10, 1, 50, kTrusted).verdict == Verdict::not_judged);
    CHECK_FALSE(guest.threshold.empty());
  }

  TEST_CASE("C14-C17 on a busy machine: figures that failed the checks cannot be judged") {
    const auto c14 = judge_c14(3000, 1, 50, kUntrusted);
    CHECK(c14.verdict == Verdict::not_judged);
    CHECK(says(c14, kUntrusted.caveat));
    CHECK(judge_c14(60, 1, 50, kUntrusted).verdict == Verdict::not_judged);
    const auto c15 = judge_c15(path(500, 2500), path(600, 2600), kUntrusted);
    CHECK(c15.verdict == Verdict::not_judged);
    CHECK(says(c15, kUntrusted.caveat));
    CHECK(judge_c15(path(500, 300), path(600, 400), kUntrusted).verdict == Verdict::not_judged);
    const auto c16 = judge_c16(500, 650, 832U, kUntrusted);
    CHECK(c16.verdict == Verdict::not_judged);
    CHECK(says(c16, kUntrusted.caveat));
    CHECK(judge_c16(500, 505, 832U, kUntrusted).verdict == Verdict::not_judged);
    const auto c17 = judge_c17({10'000, 0.04, 0.005, 0.01, 1.0}, 4000, kUntrusted);
    CHECK(c17.verdict == Verdict::not_judged);
    CHECK(says(c17, kUntrusted.caveat));
    CHECK(judge_c17({10'000, 0, 0.005, 0, 1.0}, 4000, kUntrusted).verdict == Verdict::not_judged);
  }

  TEST_CASE("trust of two figures: both must pass, and every caveat is kept") {
    CHECK(both(kTrusted, kTrusted).trusted);
    CHECK_FALSE(both(kTrusted, kUntrusted).trusted);
    CHECK(both(kUntrusted, kTrusted).caveat == kUntrusted.caveat);
    const Trust other{false, "pipe, processes: the pair used only 40%"};
    const Trust joined = both(kUntrusted, other);
    CHECK_FALSE(joined.trusted);
    CHECK(joined.caveat.find(kUntrusted.caveat) != std::string::npos);
    CHECK(joined.caveat.find(other.caveat) != std::string::npos);
  }

  TEST_CASE("C15: judged on the extra nanoseconds per switch, the same on both paths") {
    // PTI guest without PCID: the CR3 load flushes the TLB, 2 µs more on both paths.
    CHECK(judge_c15(path(1800, 3800), path(2100, 4200), kTrusted).verdict == Verdict::confirmed);
    // Bare metal with PCID: 10-20 ns more, no more than noise.
    CHECK(judge_c15(path(500, 510), path(600, 620), kTrusted).verdict == Verdict::contradicted);
    // The same 100-odd ns on a cheap futex and on a dearer pipe: the ratios differ (1.2× and
    // 1.17×), the cost does not, and that is what the rule asks about.
    const auto same = judge_c15(path(500, 620), path(700, 820), kTrusted);
    CHECK(same.verdict == Verdict::confirmed);
    CHECK(says(same, "120 ns over the futex"));
    // Measurable but small: 60 ns on both paths.
    CHECK(judge_c15(path(500, 560), path(700, 760), kTrusted).verdict == Verdict::nuanced);
    // The paths disagree beyond their spread: nuanced, saying so.
    const auto apart = judge_c15(path(500, 600), path(600, 2000), kTrusted);
    CHECK(apart.verdict == Verdict::nuanced);
    CHECK(says(apart, "disagree"));
    // Busy machine: a subtraction left nothing.
    CHECK(judge_c15(path(0, 300), path(600, 400), kTrusted).verdict == Verdict::not_judged);
  }

  TEST_CASE("C16: judged on what a thread saves and the register state it carries") {
    // PTI guest with AVX-512: threads save 66%, registers 2.6 KiB: confirmed.
    const auto guest = judge_c16(1870, 5510, 2696U, kTrusted);
    CHECK(guest.verdict == Verdict::confirmed);
    CHECK(says(guest, "XSAVE"));
    // A CPU with AMX tiles: 11 KB of register state, more than a page: nuanced.
    CHECK(judge_c16(1870, 5510, 11008U, kTrusted).verdict == Verdict::nuanced);
    // Bare metal with PCID, where the address space costs nothing measurable: contradicted.
    CHECK(judge_c16(500, 505, 832U, kTrusted).verdict == Verdict::contradicted);
    // An arm64 machine: no XSAVE leaf; judged on the saving alone, saying so.
    const auto arm = judge_c16(500, 650, std::nullopt, kTrusted);
    CHECK(arm.verdict == Verdict::confirmed);
    CHECK(says(arm, "could not be read"));
    CHECK(judge_c16(-5, 650, 832U, kTrusted).verdict == Verdict::not_judged);
  }

  TEST_CASE("C17: judged on the paced rate, per forced switch against the switch's cost") {
    // PTI guest: 4 µs per switch with its syscalls, 10,000 forced/s predicts 4% of the CPU;
    // 3.8% lost (±0.5%): confirmed, 3.80 µs per switch.
    const auto guest = judge_c17({10'000, 0.038, 0.005, 0.02, 0.98}, 4000, kTrusted);
    CHECK(guest.verdict == Verdict::confirmed);
    CHECK(says(guest, "3.80 µs lost per switch"));
    // A loss ten times what the switches account for: nuanced.
    CHECK(judge_c17({10'000, 0.4, 0.01, 0.02, 0.98}, 4000, kTrusted).verdict == Verdict::nuanced);
    // The switches should have taken 4% with a ±0.5% spread, and nothing went: contradicted.
    CHECK(judge_c17({10'000, 0.001, 0.005, 0, 0.98}, 4000, kTrusted).verdict ==
          Verdict::contradicted);
    // Bare metal with PCID: 1 µs per switch predicts 1%, inside a ±2% spread: cannot judge.
    CHECK(judge_c17({10'000, 0.01, 0.02, 0, 0.98}, 1000, kTrusted).verdict == Verdict::not_judged);
    // Busy machine: the loop alone got 65% of its CPU.
    CHECK(judge_c17({10'000, 0.038, 0.005, 0.02, 0.65}, 4000, kTrusted).verdict ==
          Verdict::not_judged);
  }

  TEST_CASE("C33: ten times cheaper confirms, less than twice contradicts") {
    CHECK(judge_c33(600, 700, 20.0, kTrusted).verdict == Verdict::confirmed);
    CHECK(judge_c33(600, 700, 100.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c33(600, 700, 400.0, kTrusted).verdict == Verdict::contradicted);
    CHECK(judge_c33(600, 700, 20.0, kUntrusted).verdict == Verdict::not_judged);
    CHECK(says(judge_c33(600, 700, 20.0, kTrusted), "30.0×"));
  }

  TEST_CASE("C33: a missing figure is 'could not judge', not nuanced") {
    // A build or run where the goroutine switch was not timed (nullopt), or timed at 0.
    CHECK(judge_c33(600, 700, std::nullopt, kTrusted).verdict == Verdict::not_judged);
    CHECK(judge_c33(600, 700, 0.0, kTrusted).verdict == Verdict::not_judged);
    // Busy machine: the subtraction's noise exceeded the thread switch and left it negative.
    const auto noisy = judge_c33(-5, 700, 20.0, kTrusted);
    CHECK(noisy.verdict == Verdict::not_judged);
    CHECK(says(noisy, "noise is larger than the switch"));
    // The same machine quiet: a 600 ns thread switch against a 20 ns goroutine switch.
    CHECK(judge_c33(600, 700, 20.0, kTrusted).verdict == Verdict::confirmed);
  }
}

TEST_SUITE("context-switch ring: did the cost step up as address spaces rotate?") {
  TEST_CASE("PTI guest without PCID whose process ring climbs: stepped up") {
    RingStep s;
    s.processes_few_ns = 5'500;
    s.processes_many_ns = 13'300;
    s.threads_few_ns = 2'100;
    s.threads_many_ns = 3'500;
    s.noise_ns = 600;
    s.pcid = false;
    CHECK(ring_stepped_up(s));
    const std::string text = ring_step_sentence(s);
    CHECK(text.find("stepped up") != std::string::npos);
    CHECK(text.find("Without PCID") != std::string::npos);
  }

  TEST_CASE("bare metal with PCID whose IDs suffice: processes rise no more than threads") {
    RingStep s;
    s.processes_few_ns = 1'200;
    s.processes_many_ns = 1'350;
    s.threads_few_ns = 900;
    s.threads_many_ns = 1'000;
    s.noise_ns = 80;
    s.pcid = true;
    CHECK_FALSE(ring_stepped_up(s));
    const std::string text = ring_step_sentence(s);
    CHECK(text.find("did not step up") != std::string::npos);
    CHECK(text.find("With PCID") != std::string::npos);
  }

  TEST_CASE("busy machine: a climb measured with a task off the CPU is not judged") {
    RingStep s;  // the PTI guest's climb, but a 16-process ring member ran elsewhere
    s.processes_few_ns = 5'500;
    s.processes_many_ns = 13'300;
    s.threads_few_ns = 2'100;
    s.threads_many_ns = 3'500;
    s.noise_ns = 600;
    s.off_cpu = {"16 processes, 16K"};
    CHECK_FALSE(ring_step_judged(s));
    CHECK_FALSE(ring_stepped_up(s));
    const std::string text = ring_step_sentence(s);
    CHECK(text.find("not judged") != std::string::npos);
    CHECK(text.find("16 processes, 16K") != std::string::npos);
    CHECK(text.find("stepped up as more address spaces rotated is not judged") !=
          std::string::npos);
    s.off_cpu.clear();  // the same figures with every task on the CPU: a step
    CHECK(ring_step_judged(s));
    CHECK(ring_stepped_up(s));
  }

  TEST_CASE("busy machine: a rise within the noise is not a step") {
    RingStep s;
    s.processes_few_ns = 5'000;
    s.processes_many_ns = 7'000;
    s.threads_few_ns = 2'000;
    s.threads_many_ns = 2'000;
    s.noise_ns = 3'000;
    CHECK_FALSE(ring_stepped_up(s));
  }
}
