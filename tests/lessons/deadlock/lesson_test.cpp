#include <doctest/doctest.h>

#include <unistd.h>

#include <set>
#include <string>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"

using namespace conc;

namespace {
long long thread_count() {
  const auto st = os::read_status(::getpid());
  return st && st->threads ? *st->threads : -1;
}
constexpr double kBoundMs = 2000;
// Generous for a loaded 2-core machine: the lesson's own bound plus the rest of a quick run.
constexpr double kQuickRunLimitMs = 10'000;

std::string section_text(const report::Report& r, const std::string& title) {
  for (const auto& s : r.sections) {
    if (s.title == title) {
      return s.text;
    }
  }
  return "";
}

// The distinct "Mutex #N" a report names: a lock-order or cycle report must name both locks.
std::set<std::string> mutexes_named(const std::string& text) {
  std::set<std::string> ids;
  for (auto at = text.find("Mutex #"); at != std::string::npos; at = text.find("Mutex #", at + 1)) {
    const auto end = text.find_first_not_of("0123456789", at + 7);
    ids.insert(text.substr(at, end - at));
  }
  return ids;
}
}  // namespace

TEST_SUITE("lesson deadlock") {
  TEST_CASE("quick, 20 runs of 20: the cycle found, both locks named, recovered in bound") {
    const auto before = thread_count();
    for (int i = 0; i < 20; ++i) {
      const auto start = os::monotonic_ns();
      const auto r = lessons::run_lesson_with_args("deadlock", {"--quick"});
      const double ms = static_cast<double>(os::monotonic_ns() - start) * 1e-6;
      CHECK(ms < kQuickRunLimitMs);
      CHECK(thread_count() == before);
      const auto* recovered = r.find_measurement("deadlock_recovered_ms");
      REQUIRE(recovered != nullptr);
      CHECK(recovered->stats.max <= kBoundMs);
      bool named = false;
      for (const auto& s : r.sections) {
        named = named || s.text.find(
                             "thread 1 holds A, waits for B; thread 2 holds B, waits "
                             "for A") != std::string::npos;
      }
      CHECK(named);
      const auto* g = find_table(r, "goroutine_deadlocks");
      REQUIRE(g != nullptr);
      REQUIRE(g->rows.size() == 3);
      for (const auto& row : g->rows) {
        CHECK(std::get<std::string>(row[1]) == "deadlock reported");
      }
      const auto* fixes = find_table(r, "fixes");
      REQUIRE(fixes != nullptr);
      for (const auto& row : fixes->rows) {
        CHECK(std::get<std::string>(row[1]) == "yes");
      }
      const auto* beyond = find_table(r, "beyond_go");
      REQUIRE(beyond != nullptr);
      REQUIRE(beyond->rows.size() == 2);
      CHECK(std::get<std::string>(beyond->rows[0][1]) == "yes");
      CHECK(std::get<double>(beyond->rows[0][2]) < kBoundMs);
      CHECK(std::get<std::string>(beyond->rows[1][1]) == "yes");
      // The partial deadlock's report names both goroutines of the cycle and both locks; the
      // lock-order warning names both locks, in a run that completed.
      const auto partial = section_text(r, "Beyond Go: a partial deadlock");
      CHECK(partial.find("wait-for cycle: goroutine ") != std::string::npos);
      CHECK(partial.find("goroutine 3 [sync.Mutex.Lock]") != std::string::npos);
      CHECK(partial.find("goroutine 4 [sync.Mutex.Lock]") != std::string::npos);
      CHECK(mutexes_named(partial).size() == 2);
      const auto order = section_text(r, "Beyond Go: lock order checking");
      CHECK(order.find("WARNING: lock order inversion") != std::string::npos);
      CHECK(order.find("This run cannot deadlock (it completed)") != std::string::npos);
      CHECK(mutexes_named(order).size() == 2);
      REQUIRE(r.verdicts.size() == 1);
    }
  }

  TEST_CASE("philosophers: the naive cycle has one philosopher per fork") {
    const auto r = lessons::run_lesson_with_args("deadlock", {"--quick", "--philosophers", "7"});
    const auto* meals = find_table(r, "meals");
    REQUIRE(meals != nullptr);
    CHECK(meals->rows.size() == 7);
    bool cycle_of_7 = false;
    for (const auto& s : r.sections) {
      cycle_of_7 = cycle_of_7 || s.text.find("a cycle of 7") != std::string::npos;
    }
    CHECK(cycle_of_7);
  }
}
