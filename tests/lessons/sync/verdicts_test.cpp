#include <doctest/doctest.h>

#include "lessons/sync/sync.h"

using namespace conc;
using namespace conc::lessons::sync;
using report::Verdict;

namespace {
std::vector<Guarantee> all_held() {
  return {{"Mutex", "one holder", "5 of 5 runs exact", true, 25, "increment"},
          {"RWMutex", "readers", "0 torn", true, 300, "read"},
          {"Once", "once", "1 init", true, 2, "call"}};
}
const std::vector<MisuseCase> kAsGo = {
    {"unlock unlocked", "fatal error: sync: unlock of unlocked mutex",
     "fatal error: sync: unlock of unlocked mutex", "exit 2", true}};
}  // namespace

TEST_SUITE("lesson sync") {
  TEST_CASE("C37: every guarantee held confirms, a broken one contradicts") {
    // Two CPUs: readers overlapped, the RWMutex read 1.8x faster.
    const ReadHeavy two_cpus{300, 540, 2};
    const auto ok = judge_c37(all_held(), two_cpus, kAsGo);
    CHECK(ok.verdict == Verdict::confirmed);
    CHECK(ok.because.find("1.80×") != std::string::npos);
    // One CPU: readers cannot overlap, the RWMutex's bookkeeping makes it slower.
    const ReadHeavy one_cpu{330, 300, 1};
    const auto slow = judge_c37(all_held(), one_cpu, kAsGo);
    CHECK(slow.verdict == Verdict::nuanced);
    CHECK(slow.because.find("1 worker") != std::string::npos);
    // A Mutex that let two holders in: increments lost.
    auto lost = all_held();
    lost[0].held = false;
    lost[0].observed = "3 of 5 runs exact";
    const auto broken = judge_c37(lost, two_cpus, kAsGo);
    CHECK(broken.verdict == Verdict::contradicted);
    CHECK(broken.because.find("3 of 5") != std::string::npos);
    // A runtime whose misuse did not end the process as Go's does.
    auto quiet = kAsGo;
    quiet[0].as_go = false;
    CHECK(judge_c37(all_held(), two_cpus, quiet).verdict == Verdict::nuanced);
    CHECK(judge_c37({}, two_cpus, kAsGo).verdict == Verdict::not_judged);
  }

  TEST_CASE("C27: all four tools used and working confirms; otherwise it cannot judge") {
    const std::vector<ToolUse> all = {{"goroutines", true, true, "4 spawned"},
                                      {"channels", true, true, "4 received"},
                                      {"select", true, true, "4 selects"},
                                      {"sync", true, true, "joined"}};
    const auto ok = judge_c27(all);
    CHECK(ok.verdict == Verdict::confirmed);
    CHECK(ok.because.find("select: 4 selects") != std::string::npos);
    auto no_select = all;
    no_select.erase(no_select.begin() + 2);
    const auto missing = judge_c27(no_select);
    CHECK(missing.verdict == Verdict::not_judged);
    CHECK(missing.because.find("select (not used)") != std::string::npos);
    auto failed = all;
    failed[1].worked = false;
    failed[1].what = "2 of 4 received";
    CHECK(judge_c27(failed).verdict == Verdict::not_judged);
  }
}
