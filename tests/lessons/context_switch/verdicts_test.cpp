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
  TEST_CASE("C14: a switch worth hundreds of calls is expensive, a handful is not") {
    CHECK(judge_c14(500, 1, 50, kTrusted).verdict == Verdict::confirmed);
    CHECK(judge_c14(50, 1, 50, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c14(5, 1, 50, kTrusted).verdict == Verdict::contradicted);
    CHECK(judge_c14(-10, 1, 50, kTrusted).verdict == Verdict::nuanced);  // noise ate the switch
    CHECK_FALSE(judge_c14(500, 1, 50, kTrusted).threshold.empty());
  }

  TEST_CASE("C14-C17: figures that failed the lesson's checks give nuanced, saying why") {
    const auto c14 = judge_c14(500, 1, 50, kUntrusted);
    CHECK(c14.verdict == Verdict::nuanced);
    CHECK(says(c14, kUntrusted.caveat));
    CHECK(judge_c14(5, 1, 50, kUntrusted).verdict == Verdict::nuanced);
    const auto c15 = judge_c15(path(500, 2500), path(600, 2000), kUntrusted);
    CHECK(c15.verdict == Verdict::nuanced);
    CHECK(says(c15, kUntrusted.caveat));
    CHECK(judge_c15(path(500, 300), path(600, 400), kUntrusted).verdict == Verdict::nuanced);
    const auto c16 = judge_c16(500, 650, 1, 40.0, kUntrusted);
    CHECK(c16.verdict == Verdict::nuanced);
    CHECK(says(c16, kUntrusted.caveat));
    CHECK(judge_c16(500, 505, 1, std::nullopt, kUntrusted).verdict == Verdict::nuanced);
    const auto c17 = judge_c17(0.5, 800'000, 650, 1.0, kUntrusted);
    CHECK(c17.verdict == Verdict::nuanced);
    CHECK(says(c17, kUntrusted.caveat));
    CHECK(judge_c17(0.01, 800'000, 650, 1.0, kUntrusted).verdict == Verdict::nuanced);
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

  TEST_CASE("C15: both paths heavier confirms, one path nuances, both lighter contradicts") {
    CHECK(judge_c15(path(500, 2500), path(600, 2000), kTrusted).verdict == Verdict::confirmed);
    CHECK(judge_c15(path(500, 650), path(550, 620), kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c15(path(500, 800), path(600, 610), kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c15(path(500, 300), path(600, 400), kTrusted).verdict == Verdict::contradicted);
    CHECK(judge_c15(path(0, 300), path(600, 400), kTrusted).verdict == Verdict::nuanced);
  }

  TEST_CASE("C15: the nuance names the path that cleared the margin, or says neither did") {
    // Futex 1.6×, pipe 1.02×: only the futex path.
    const auto one = judge_c15(path(500, 800), path(600, 610), kTrusted);
    CHECK(says(one, "Only over the futex"));
    CHECK(says(one, "20.0%"));  // derived from kC15HeavierRatio, not typed in
    // Both between 1 and 1.2: neither path, and no claim that one of them cleared it.
    const auto neither = judge_c15(path(500, 550), path(600, 640), kTrusted);
    CHECK(says(neither, "On neither path"));
    CHECK_FALSE(says(neither, "Only over"));
    // Pipe heavier, futex lighter.
    const auto pipe = judge_c15(path(500, 350), path(600, 900), kTrusted);
    CHECK(pipe.verdict == Verdict::nuanced);
    CHECK(says(pipe, "Only over pipes"));
    // The per-round spread of this run is in the text.
    CHECK(says(judge_c15(path(500, 550), path(600, 640), kTrusted), "per round"));
  }

  TEST_CASE("C16: only a cheap user-space switch confirms; no saving contradicts") {
    CHECK(judge_c16(500, 650, 1, std::nullopt, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c16(500, 505, 1, std::nullopt, kTrusted).verdict == Verdict::contradicted);
    CHECK(judge_c16(500, 650, 1, 40.0, kTrusted).verdict == Verdict::confirmed);
    CHECK(judge_c16(500, 650, 1, 200.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c16(500, 505, 1, 40.0, kTrusted).verdict == Verdict::confirmed);
    CHECK(says(judge_c16(500, 650, 1, std::nullopt, kTrusted), "not measured"));
  }

  TEST_CASE("C17: a loss the switches account for confirms; none contradicts") {
    // 50% lost at 800k switches/s = 625 ns per switch, against 650 ns measured: confirmed.
    CHECK(judge_c17(0.5, 800'000, 650, 1.0, kTrusted).verdict == Verdict::confirmed);
    // The same numbers while other tasks took half the CPU from the loop alone: no verdict.
    CHECK(judge_c17(0.5, 800'000, 650, 0.5, kTrusted).verdict == Verdict::nuanced);
    // The same loss with 100x fewer switches: 62.5 µs per switch, not the switches.
    CHECK(judge_c17(0.5, 8'000, 650, 1.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c17(0.03, 50'000, 650, 1.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c17(0.01, 800'000, 650, 1.0, kTrusted).verdict == Verdict::contradicted);
  }

  TEST_CASE("C33: ten times cheaper confirms, less than twice contradicts") {
    CHECK(judge_c33(600, 700, 20.0, kTrusted).verdict == Verdict::confirmed);
    CHECK(judge_c33(600, 700, 100.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c33(600, 700, 400.0, kTrusted).verdict == Verdict::contradicted);
    CHECK(judge_c33(600, 700, std::nullopt, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c33(-5, 700, 20.0, kTrusted).verdict == Verdict::nuanced);
    CHECK(judge_c33(600, 700, 20.0, kUntrusted).verdict == Verdict::nuanced);
    CHECK(says(judge_c33(600, 700, 20.0, kTrusted), "30.0×"));
  }
}
