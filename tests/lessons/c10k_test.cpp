#include <doctest/doctest.h>

#include <unistd.h>

#include <thread>

#include "lessons/c10k.h"
#include "lessons/lesson.h"
#include "os/clock.h"
#include "os/proc_read.h"

using namespace conc;
using namespace conc::lessons::c10k;
using report::Verdict;

namespace {
const report::Table* table(const report::Report& r, const std::string& id) {
  for (const auto& t : r.tables) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}
std::int64_t cell(const report::Table& t, std::size_t row, std::size_t col) {
  return std::get<std::int64_t>(t.rows.at(row).at(col));
}
}  // namespace

TEST_SUITE("lesson c10k") {
  TEST_CASE("C18: a failure or a tight limit confirms, room nuances, vast room contradicts") {
    CreationOutcome c{1000, 1000, 0, "pid_max", 32'000, 8e6, 8.5e3};
    CHECK(judge_c18(c).verdict == Verdict::nuanced);
    c.headroom = 5'000;
    CHECK(judge_c18(c).verdict == Verdict::confirmed);
    c.headroom = 500'000;
    CHECK(judge_c18(c).verdict == Verdict::contradicted);
    CreationOutcome failed{10'000, 4'321, 11, "cgroup pids.max", 4'400, 8e6, 8e3};
    const auto v = judge_c18(failed);
    CHECK(v.verdict == Verdict::confirmed);
    CHECK(v.because.find("4,321") != std::string::npos);
  }

  TEST_CASE("C19: 10 ms ÷ N followed, a flat slice, or something in between") {
    CHECK(judge_c19({{2, 5e6}, {5, 2.1e6}, {10, 1e6}}).verdict == Verdict::confirmed);
    CHECK(judge_c19({{1, 60e6}, {2, 4e6}, {10, 4e6}, {1000, 4e6}}).verdict ==
          Verdict::contradicted);
    // CFS-like: shrinks to a floor.
    CHECK(judge_c19({{2, 6e6}, {5, 2.4e6}, {100, 1.5e6}}).verdict == Verdict::nuanced);
    CHECK(judge_c19({{1, 60e6}}).verdict == Verdict::nuanced);  // nothing to judge
  }

  TEST_CASE("C20: both halves, one half, neither") {
    LoadPoint one{1, 1e7, 1e7, 0, 0, true, 3e3, 3e3, 0};
    LoadPoint many{1000, 0.5e7, 0.5e7, 5000, 0.2e6, true, 20e6, 2e9, 4e9};
    CHECK(judge_c20(one, many).verdict == Verdict::confirmed);
    LoadPoint calm{1000, 0.999e7, 0.999e7, 250, 4e6, true, 4e3, 5e3, 4e9};
    CHECK(judge_c20(one, calm).verdict == Verdict::contradicted);
    LoadPoint late{1000, 0.999e7, 0.999e7, 250, 4e6, true, 4e6, 2e9, 4e9};
    const auto v = judge_c20(one, late);
    CHECK(v.verdict == Verdict::nuanced);
    CHECK(v.because.find("(a)") != std::string::npos);
    CHECK(v.because.find("(b)") != std::string::npos);
    LoadPoint unprobed = late;
    unprobed.probed = false;
    CHECK(judge_c20(one, unprobed).verdict == Verdict::nuanced);
  }

  TEST_CASE("the live lesson creates every thread and leaves none behind") {
    const std::size_t before = os::list_tasks(::getpid()).size();
    const auto r = lessons::run_lesson_with_args("c10k", {"--quick", "--threads", "1,3,40"});
    const auto* creation = table(r, "creation");
    REQUIRE(creation != nullptr);
    REQUIRE(creation->rows.size() == 3);
    const std::int64_t requested[] = {1, 3, 40};
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(cell(*creation, i, 0) == requested[i]);
      CHECK(cell(*creation, i, 1) == requested[i]);  // created
      CHECK(cell(*creation, i, 5) == 0);             // left after join
    }
    const auto t0 = os::monotonic_ns();
    while (os::list_tasks(::getpid()).size() != before && os::monotonic_ns() - t0 < 2'000'000'000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(os::list_tasks(::getpid()).size() == before);
    for (const char* id : {"plan", "slices", "cost"}) {
      CHECK_MESSAGE(table(r, id) != nullptr, id);
    }
    CHECK(r.find_measurement("slice_ns_n3") != nullptr);
    CHECK(r.find_measurement("slice_ns_n40") != nullptr);
    CHECK(r.find_measurement("calibration_slice_ns") != nullptr);
    REQUIRE(r.charts.size() == 1);
    CHECK(r.charts[0].id == "slice_and_lateness");
    std::set<std::string> judged;
    for (const auto& v : r.verdicts) {
      judged.insert(v.claim);
    }
    CHECK(judged == std::set<std::string>{"C18", "C19", "C20"});
  }

  TEST_CASE("thread counts are bounded") {
    CHECK_THROWS(lessons::run_lesson_with_args("c10k", {"--quick", "--threads", "0"}));
    CHECK_THROWS(lessons::run_lesson_with_args("c10k", {"--quick", "--threads", "1,20000"}));
  }
}
