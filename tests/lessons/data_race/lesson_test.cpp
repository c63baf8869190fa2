#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "lessons/data_race/data_race.h"
#include "os/procfs/proc_read.h"
#include "os/sys/affinity.h"

using namespace conc;
using namespace conc::lessons::data_race;

namespace {
long long thread_count() {
  const auto st = os::read_status(::getpid());
  return st && st->threads ? *st->threads : -1;
}
}  // namespace

TEST_SUITE("lesson data-race") {
  TEST_CASE("the step-by-step interleaving loses exactly one update, every time") {
    for (int i = 0; i < 20; ++i) {
      const auto run = step_by_step(41);
      CHECK(run.lost == 1);
      REQUIRE(run.steps.size() == 4);
      CHECK(run.steps[0] == "1. A reads 41");
      CHECK(run.steps[1] == "2. B reads 41");
    }
  }

  TEST_CASE("the fixes are exact in every run") {
    for (const auto v : {Variant::mutex, Variant::atomic_add, Variant::per_thread}) {
      for (int i = 0; i < 5; ++i) {
        const auto r = run_counter(v, {4, 20'000, -1});
        CHECK(r.expected == 80'000);
        CHECK(r.lost() == 0);
      }
    }
  }

  TEST_CASE("over 10 free racy runs on 2 CPUs, at least one loses updates") {
    if (os::allowed_cpus().size() < 2) {
      MESSAGE("skipped: only one CPU is allowed, so the threads cannot collide in parallel");
      return;
    }
    int lossy = 0;
    for (int i = 0; i < 10 && lossy == 0; ++i) {
      // Long enough (tens of ms) that both threads overlap even on a loaded machine.
      lossy += run_counter(Variant::racy, {2, 5'000'000, -1}).lost() > 0 ? 1 : 0;
    }
    CHECK(lossy > 0);
  }

  TEST_CASE("the live lesson, quick: fixes exact, a row per run, no thread left") {
    const auto before = thread_count();
    const auto r = lessons::run_lesson_with_args("data-race", {"--quick", "--runs", "4"});
    CHECK(thread_count() == before);
    const auto* racy = find_table(r, "racy_runs");
    REQUIRE(racy != nullptr);
    CHECK(racy->rows.size() == 4);
    const auto* fixes = find_table(r, "fixes");
    REQUIRE(fixes != nullptr);
    REQUIRE(fixes->rows.size() == 4);
    for (std::size_t i = 1; i < fixes->rows.size(); ++i) {
      CHECK(std::get<std::string>(fixes->rows[i][1]) == "4 of 4");
    }
    const auto* step = r.find_measurement("step_by_step_lost");
    REQUIRE(step != nullptr);
    CHECK(step->stats.min == 1);
    CHECK(step->stats.max == 1);
    // The detector reports the racy programs (also the one that lost nothing), not the fixes.
    const auto* detector = find_table(r, "detector");
    REQUIRE(detector != nullptr);
    REQUIRE(detector->rows.size() == 4);
    auto races = [&](std::size_t row) { return std::get<std::int64_t>(detector->rows[row][4]); };
    auto lost = [&](std::size_t row) { return std::get<std::int64_t>(detector->rows[row][3]); };
    CHECK(races(0) >= 1);
    CHECK(races(1) >= 1);
    CHECK(lost(1) == 0);
    CHECK(races(2) == 0);
    CHECK(lost(2) == 0);
    CHECK(races(3) == 0);
    CHECK(lost(3) == 0);
    // Both reports, in Go's words, name both accesses and both goroutines (2 and 3: main is 1),
    // with paths from the repository root.
    int reports = 0;
    for (const auto& s : r.sections) {
      if (s.text.find("WARNING: DATA RACE") == std::string::npos) {
        continue;
      }
      ++reports;
      CHECK(s.text.find("Previous ") != std::string::npos);
      CHECK(s.text.find(" by goroutine 2:") != std::string::npos);
      CHECK(s.text.find(" by goroutine 3:") != std::string::npos);
      CHECK(s.text.find("Goroutine 2 (") != std::string::npos);
      CHECK(s.text.find("Goroutine 3 (") != std::string::npos);
      CHECK(s.text.find(" lessons/data_race/detector.cpp:") != std::string::npos);
      CHECK(s.text.find("../") == std::string::npos);
    }
    CHECK(reports == 2);
    REQUIRE(r.verdicts.size() == 2);
    CHECK(verdicts_last_in_claim_order(r));
  }
}
