#include <doctest/doctest.h>

#include <unistd.h>

#include <thread>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"

using namespace conc;

namespace {
std::int64_t cell(const report::Table& t, std::size_t row, std::size_t col) {
  return std::get<std::int64_t>(t.rows.at(row).at(col));
}
}  // namespace

TEST_SUITE("lesson c10k") {
  TEST_CASE("the live lesson creates every thread and leaves none behind") {
    const std::size_t before = os::list_tasks(::getpid()).size();
    const auto r = lessons::run_lesson_with_args(
        "c10k", {"--quick", "--thread-counts", "1,3,40", "--connections", "200"});
    const auto* creation = find_table(r, "creation");
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
    const auto* servers = find_table(r, "connection_servers");
    REQUIRE(servers != nullptr);
    REQUIRE(servers->rows.size() == 3);  // threads, epoll, goroutines
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(cell(*servers, i, 1) == 200);  // every connection served
    }
    // The goroutine rows (quick: 10 and 1,000 on one worker): every one spawned, and no more
    // had a turn than exist; how many did depends on the CPU time the machine gave the worker.
    const auto* goroutines = find_table(r, "goroutines");
    REQUIRE(goroutines != nullptr);
    REQUIRE(goroutines->rows.size() == 2);
    const std::int64_t spawned[] = {10, 1000};
    for (std::size_t i = 0; i < 2; ++i) {
      CAPTURE(i);
      CHECK(cell(*goroutines, i, 0) == spawned[i]);
      CHECK(cell(*goroutines, i, 3) <= spawned[i]);
    }
    CHECK(r.find_measurement("goroutine_work_per_s_n1000") != nullptr);
    for (const char* id : {"plan", "slices", "cost"}) {
      CHECK_MESSAGE(find_table(r, id) != nullptr, id);
    }
    CHECK(r.find_measurement("slice_ns_n1") == nullptr);  // a lone thread has no slice
    CHECK(r.find_measurement("slice_ns_n3") != nullptr);
    CHECK(r.find_measurement("slice_ns_n40") != nullptr);
    CHECK(r.find_measurement("calibration_slice_ns") != nullptr);
    REQUIRE(r.charts.size() == 2);
    CHECK(r.charts[0].id == "slice_and_lateness");
    CHECK(r.charts[1].id == "connection_memory");
    std::set<std::string> judged;
    for (const auto& v : r.verdicts) {
      judged.insert(v.claim);
    }
    CHECK(judged == std::set<std::string>{"C18", "C19", "C20"});
  }

  TEST_CASE("thread counts are bounded") {
    CHECK_THROWS(lessons::run_lesson_with_args("c10k", {"--quick", "--thread-counts", "0"}));
    CHECK_THROWS(lessons::run_lesson_with_args("c10k", {"--quick", "--thread-counts", "1,20000"}));
  }
}
