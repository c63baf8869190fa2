#include <doctest/doctest.h>

#include <unistd.h>

#include <set>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "os/procfs/proc_read.h"

using namespace conc;

namespace {
long long thread_count() {
  const auto st = os::read_status(::getpid());
  return st && st->threads ? *st->threads : -1;
}
}  // namespace

TEST_SUITE("lesson locking") {
  TEST_CASE("quick: a row per variant and thread count, goroutine counts exact, no thread left") {
    const auto before = thread_count();
    const auto r = lessons::run_lesson_with_args("locking", {"--quick", "--thread-counts", "1,3"});
    CHECK(thread_count() == before);
    const auto* t = find_table(r, "throughput");
    REQUIRE(t != nullptr);
    CHECK(t->rows.size() == 6 * 2);
    std::set<std::pair<std::string, std::int64_t>> cells;
    for (const auto& row : t->rows) {
      cells.insert({std::get<std::string>(row[0]), std::get<std::int64_t>(row[1])});
      CHECK(std::get<double>(row[2]) > 0);
    }
    CHECK(cells.size() == 12);
    const auto* g = find_table(r, "goroutines");
    REQUIRE(g != nullptr);
    for (const auto& row : g->rows) {
      CHECK(std::get<std::string>(row[1]) == "yes");
    }
    REQUIRE(r.verdicts.size() == 1);
    CHECK(r.verdicts.front().claim == "C25");
  }
}
