#include <doctest/doctest.h>

#include "lessons/thread/thread.h"

using namespace conc;
using namespace conc::lessons::thread;
using report::Verdict;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::uint64_t kStack = 8u << 20;
}  // namespace

TEST_SUITE("lesson thread") {
  TEST_CASE("C08: accounts that follow the duties confirm, equal ones contradict") {
    const std::vector<ThreadAccount> ordered = {{"busy", 1.0, 200 * kMs, 1, 50},
                                                {"half", 0.5, 100 * kMs, 25, 20},
                                                {"idle", 0, kMs, 200, 0}};
    CHECK(judge_c08(ordered).verdict == Verdict::confirmed);
    const std::vector<ThreadAccount> same = {{"busy", 1.0, 100 * kMs, 1, 50},
                                             {"half", 0.5, 95 * kMs, 25, 20},
                                             {"idle", 0, 90 * kMs, 200, 0}};
    CHECK(judge_c08(same).verdict == Verdict::contradicted);
    // The half-busy thread got more than the busy one: accounts exist, but out of order.
    const std::vector<ThreadAccount> swapped = {
        {"busy", 1.0, 80 * kMs, 1, 50}, {"half", 0.5, 120 * kMs, 25, 20}, {"idle", 0, kMs, 200, 0}};
    CHECK(judge_c08(swapped).verdict == Verdict::nuanced);
  }

  TEST_CASE("C09: own mappings with guards confirm, a shared one contradicts") {
    // Two 8 MiB stacks, each with a 4 KiB guard below, locals near their tops.
    const std::vector<StackView> own = {{1, 0x7f0000801e00, 0x7f0000002000, 0x7f0000802000, 4096},
                                        {2, 0x7f0001002e00, 0x7f0000803000, 0x7f0001003000, 4096}};
    CHECK(judge_c09(own, kStack).verdict == Verdict::confirmed);
    auto unguarded = own;
    unguarded[1].guard_bytes = 0;
    CHECK(judge_c09(unguarded, kStack).verdict == Verdict::nuanced);
    auto shared = own;
    shared[1].map_start = shared[0].map_start;
    CHECK(judge_c09(shared, kStack).verdict == Verdict::contradicted);
    auto lost = own;
    lost[0].map_start = lost[0].map_end = 0;
    CHECK(judge_c09(lost, kStack).verdict == Verdict::contradicted);
  }

  TEST_CASE("C10: a write seen by a thread but not by the parent after a child's write") {
    SharingView v{0x1000, 0x1000, 0x1000, 7, 42, 42, 99, 42};
    CHECK(judge_c10(v).verdict == Verdict::confirmed);
    auto leaked = v;
    leaked.parent_saw_after_child = 99;
    CHECK(judge_c10(leaked).verdict == Verdict::contradicted);
    auto unseen = v;
    unseen.reader_saw = 7;
    CHECK(judge_c10(unseen).verdict == Verdict::contradicted);
  }

  TEST_CASE("C11: workers that keep going confirm, stalled ones contradict") {
    CHECK(judge_c11({{1.0, 0.95}, 0, 500}).verdict == Verdict::confirmed);
    CHECK(judge_c11({{1.0, 0.5}, 0, 500}).verdict == Verdict::nuanced);
    CHECK(judge_c11({{1.0, 1.0}, 0, 0}).verdict == Verdict::nuanced);  // never resumed
    CHECK(judge_c11({{1.0, 0.0}, 0, 500}).verdict == Verdict::contradicted);
    CHECK(judge_c11({{}, 0, 500}).verdict == Verdict::contradicted);
  }

  TEST_CASE("C12: per thread, then per session with autogroup") {
    ShareView v{4, 4.0, 1.0, true, true};
    CHECK(judge_c12(v).verdict == Verdict::nuanced);
    CHECK(judge_c12(v).because.find("autogroup") != std::string::npos);
    ShareView off{4, 3.9, 4.1, false, true};
    const auto c = judge_c12(off);
    CHECK(c.verdict == Verdict::confirmed);
    CHECK(c.because.find("autogroup is off") != std::string::npos);
    ShareView per_process{4, 1.1, 1.0, true, true};
    CHECK(judge_c12(per_process).verdict == Verdict::contradicted);
    ShareView odd{4, 2.5, 1.0, true, true};
    CHECK(judge_c12(odd).verdict == Verdict::nuanced);
  }

  TEST_CASE("run intervals: time running, time in parallel, the timeline") {
    // Two threads taking turns on CPU 0 for 0-40 ms, then side by side on CPUs 0 and 1.
    const RunHistory h = {
        {{0, 10 * kMs, 0}, {20 * kMs, 30 * kMs, 0}, {40 * kMs, 80 * kMs, 0}},
        {{10 * kMs, 20 * kMs, 0}, {30 * kMs, 40 * kMs, 0}, {40 * kMs, 80 * kMs, 1}}};
    CHECK(run_ns_within(h[0], 0, 40 * kMs) == 20 * kMs);
    CHECK(run_ns_within(h[0], 5 * kMs, 25 * kMs) == 10 * kMs);
    CHECK(parallel_ns(h, 0, 40 * kMs) == 0);
    CHECK(parallel_ns(h, 40 * kMs, 80 * kMs) == 40 * kMs);
    CHECK(parallel_ns(h, 30 * kMs, 60 * kMs) == 20 * kMs);
    const auto rows = cpu_timeline(h, 0, 80 * kMs, 8);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "0·0·0000");
    CHECK(rows[1] == "·0·01111");
  }

  TEST_CASE("C13: turns when pinned and overlap when free confirm") {
    CHECK(judge_c13({2, 2, 0.0, 0.95, 0.9}).verdict == Verdict::confirmed);
    const auto busy = judge_c13({2, 2, 0.0, 0.95, 0.05, 1, 0.8});
    CHECK(busy.verdict == Verdict::nuanced);
    CHECK(busy.because.find("CPU 1 80.0% busy") != std::string::npos);  // others took it
    const auto slow = judge_c13({2, 2, 0.0, 0.95, 0.05, 1, 0.1});
    CHECK(slow.verdict == Verdict::nuanced);
    CHECK(slow.because.find("load balancer") != std::string::npos);
    CHECK(judge_c13({2, 1, 0.0, 0.95, 0.0}).verdict == Verdict::nuanced);
    CHECK(judge_c13({2, 2, 0.5, 0.95, 0.0}).verdict == Verdict::contradicted);
  }

  TEST_CASE("C12 windows: at least 25 ticks of the scheduler, or what was asked") {
    CHECK(share_window_ms(0, 250) == 100);
    CHECK(share_window_ms(50, 250) == 100);   // too short: raised
    CHECK(share_window_ms(300, 250) == 300);  // longer: kept
    CHECK(share_window_ms(0, 100) == 250);
    CHECK(share_window_ms(0, 1000) == 25);
    CHECK(share_window_ms(0, 300) == 84);  // 83.3 ms rounded up to whole ms
    CHECK(share_window_ms(0, 0) == share_window_ms(0, kAssumedHz));  // unknown tick
  }
}
