#include <doctest/doctest.h>

#include <cerrno>
#include <sstream>

#include "lessons/stack/stack.h"

using namespace conc;
using namespace conc::lessons::stack;
using report::Verdict;

namespace {
OverflowRun run(std::uint64_t bytes, long depth, bool overflowed, std::optional<bool> in_guard) {
  OverflowRun r;
  r.stack_bytes = bytes;
  r.depth = depth;
  r.bytes_per_frame = 208;
  r.overflowed = overflowed;
  r.ended = overflowed ? "SIGSEGV" : "exit 0";
  r.fault_in_guard = in_guard;
  return r;
}
}  // namespace

TEST_SUITE("lesson stack") {
  TEST_CASE("C18: the first enforced limit decides, by the rule shared with c10k") {
    const std::vector<ThreadCap> caps = {
        {"memory", 900'000, true, true, ""},        {"pid_max", 32'000, true, false, ""},
        {"max_map_count", 32'500, true, false, ""}, {"RLIMIT_NPROC", 100, false, false, "root"},
        {"cgroup", std::nullopt, true, false, ""},
    };
    REQUIRE(first_cap(caps) == 1u);
    const AttemptView ok{2000, 2000, 0, 8500, 2};
    CHECK(judge_c18(caps, ok).verdict == Verdict::nuanced);
    auto tight = caps;
    tight[0].more_threads = 5'000;  // memory, i.e. stacks, runs out first
    const auto t = judge_c18(tight, ok);
    CHECK(t.verdict == Verdict::confirmed);
    CHECK(t.because.find("memory") != std::string::npos);
    auto roomy = caps;
    roomy[1].more_threads = roomy[2].more_threads = 4'000'000;
    CHECK(judge_c18(roomy, ok).verdict == Verdict::contradicted);
    const AttemptView failed{2000, 700, EAGAIN, 8500, 2};
    const auto f = judge_c18(caps, failed);
    CHECK(f.verdict == Verdict::confirmed);  // the limit bit within reach
    CHECK(f.because.find("after 700 of 2,000") != std::string::npos);
    CHECK_FALSE(first_cap({}).has_value());
  }

  TEST_CASE("C22: a definition checked; 8 MiB confirms, another limit nuances") {
    // A glibc distribution with the kernel's default limit.
    StackLimitView v{8 * kMiB, std::nullopt, std::string("8192"), std::string("unlimited")};
    const auto distro = judge_c22(v);
    CHECK(distro.verdict == Verdict::confirmed);
    CHECK(distro.because.find("main thread") != std::string::npos);
    // A CI runner whose login set 512 KiB.
    auto other = v;
    other.soft = 512 * kKiB;
    other.shell_soft = "512";
    CHECK(judge_c22(other).verdict == Verdict::nuanced);
    // A build machine with `ulimit -s unlimited`.
    auto unlimited = v;
    unlimited.soft = std::nullopt;
    unlimited.shell_soft = "unlimited";
    CHECK(judge_c22(unlimited).verdict == Verdict::nuanced);
    // A container with no /bin/sh: could not judge.
    auto no_shell = v;
    no_shell.shell_soft = std::nullopt;
    no_shell.shell_hard = std::nullopt;
    CHECK(judge_c22(no_shell).verdict == Verdict::not_judged);
    // A shell whose start-up reset the limit: could not judge, not a contradiction.
    auto disagree = v;
    disagree.shell_soft = "1024";
    CHECK(judge_c22(disagree).verdict == Verdict::not_judged);
  }

  TEST_CASE("C21: depths in proportion to sizes confirm, a small stack as deep contradicts") {
    FixedStackView v{8 * kMiB, 8 * kMiB, run(8 * kMiB, 40'000, true, true),
                     run(64 * kKiB, 300, true, true)};
    CHECK(judge_c21(v).verdict == Verdict::confirmed);
    auto off_rule = v;
    off_rule.glibc_rule = 2 * kMiB;
    CHECK(judge_c21(off_rule).verdict == Verdict::nuanced);
    auto disproportionate = v;
    disproportionate.small.depth = 5'000;
    CHECK(judge_c21(disproportionate).verdict == Verdict::nuanced);
    auto as_deep = v;
    as_deep.small.depth = 40'000;
    CHECK(judge_c21(as_deep).verdict == Verdict::contradicted);
    auto no_overflow = v;
    no_overflow.big.overflowed = false;
    CHECK(judge_c21(no_overflow).verdict == Verdict::contradicted);
  }

  TEST_CASE("C09: a fault in the guard page confirms, an unseen one is nuanced") {
    CHECK(judge_c09(true, run(8 * kMiB, 40'000, true, true)).verdict == Verdict::confirmed);
    CHECK(judge_c09(true, run(8 * kMiB, 40'000, true, std::nullopt)).verdict == Verdict::nuanced);
    CHECK(judge_c09(true, run(8 * kMiB, 40'000, true, false)).verdict == Verdict::nuanced);
    CHECK(judge_c09(false, run(8 * kMiB, 40'000, true, true)).verdict == Verdict::contradicted);
  }

  TEST_CASE("the layout drawing: boxes from high to low, shared borders, gaps") {
    const std::string art = draw_layout({
        {0x1000, 0x2000, "guard", "---p", {}},
        {0x2000, 0x802000, "thread stack", "rw-p", {"a local at 0x801000"}},
        {0x7ffd0000, 0x7ffe0000, "main [stack]", "rw-p", {}},
    });
    std::istringstream in(art);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
      ++lines;
      CHECK(line.rfind(' ', 0) == 0);  // indented: the renderer keeps it verbatim
    }
    CHECK(lines >= 10);
    CHECK(art.find("main [stack]") < art.find("thread stack"));
    CHECK(art.find("thread stack") < art.find("guard"));
    CHECK(art.find("├") != std::string::npos);  // stack and guard are adjacent
    CHECK(art.find("⋮") != std::string::npos);  // a gap between main and the thread
    CHECK(art.find("0x802000") != std::string::npos);
  }
}
