#include <doctest/doctest.h>

#include "lessons/concurrency_vs_parallelism.h"
#include "lessons/cpu_trace.h"
#include "lessons/lesson.h"
#include "report/text_renderer.h"

using namespace conc;
using namespace conc::lessons;
using namespace conc::lessons::concurrency_vs_parallelism;
using report::Verdict;

namespace {
// Two tasks taking turns on CPU 0 every 10 ns, samples every 1 ns.
std::vector<TaskTrace> interleaved() {
  std::vector<TaskTrace> t(2);
  for (int i = 0; i < 40; ++i) {
    const int task = (i / 10) % 2;
    t[task].samples.push_back({i, 0});
  }
  t[0].start_ns = 0;
  t[0].end_ns = 30;
  t[1].start_ns = 0;
  t[1].end_ns = 40;
  return t;
}
// Two tasks at the same time on CPUs 0 and 1.
std::vector<TaskTrace> overlapping() {
  std::vector<TaskTrace> t(2);
  for (int i = 0; i < 40; ++i) {
    t[0].samples.push_back({i, 0});
    t[1].samples.push_back({i, 1});
  }
  t[0].end_ns = t[1].end_ns = 40;
  return t;
}
}  // namespace

TEST_SUITE("lesson concurrency-vs-parallelism") {
  TEST_CASE("timeline rows: the CPU digit, waiting dots, blanks outside the task") {
    const auto rows = timeline_rows(interleaved(), 0, 10, 5);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "0·0  ");  // task 0 ended at 30
    CHECK(rows[1] == "·0·0 ");
    CHECK(report::display_width(rows[0]) == 5);
    CHECK(timeline_rows(overlapping(), 0, 20, 2)[1] == "11");
    CHECK(cpu_mark(11) == 'b');
  }

  TEST_CASE("trace facts: handovers on one CPU, overlap on two") {
    const auto one = analyse_traces(interleaved(), 10);
    CHECK(one.cpus_used == 1);
    CHECK(one.handovers == 3);
    CHECK(one.parallel_share == 0);
    const auto two = analyse_traces(overlapping(), 10);
    CHECK(two.cpus_used == 2);
    CHECK(two.parallel_share == doctest::Approx(1.0));
    // One task migrating inside a bucket is not parallelism.
    std::vector<TaskTrace> migrating(1);
    migrating[0].samples = {{0, 0}, {1, 1}};
    CHECK(analyse_traces(migrating, 10).parallel_share == 0);
  }

  TEST_CASE("C01: same results and interleaving confirm") {
    TraceFacts f{1, 12, 0};
    CHECK(judge_c01(true, f, 4).verdict == Verdict::confirmed);
    CHECK(judge_c01(false, f, 4).verdict == Verdict::contradicted);
    f.handovers = 3;
    CHECK(judge_c01(true, f, 4).verdict == Verdict::nuanced);
  }

  TEST_CASE("C02: CPUs busy at once, or one CPU only") {
    CHECK(judge_c02({2, 4, 1.9, 0.9}).verdict == Verdict::confirmed);
    CHECK(judge_c02({2, 4, 1.1, 0.2}).verdict == Verdict::nuanced);
    CHECK(judge_c02({2, 4, 1.0, 0.0}).verdict == Verdict::contradicted);
    const auto single = judge_c02({1, 4, 1.0, 0.0});
    CHECK(single.verdict == Verdict::nuanced);
    CHECK(single.because.find("cannot be shown") != std::string::npos);
  }

  TEST_CASE("C03: the speed-up against the CPUs") {
    CHECK(judge_c03({2, 4, 1.9, 1.0}).verdict == Verdict::confirmed);
    CHECK(judge_c03({2, 4, 1.2, 1.0}).verdict == Verdict::nuanced);
    CHECK(judge_c03({2, 4, 0.9, 1.0}).verdict == Verdict::contradicted);
    CHECK(judge_c03({1, 4, 1.0, 1.0}).verdict == Verdict::nuanced);
  }

  TEST_CASE("C13: concurrent then parallel") {
    const TraceFacts pinned{1, 20, 0};
    const TraceFacts free{2, 20, 0.8};
    CHECK(judge_c13(2, pinned, free, 4).verdict == Verdict::confirmed);
    CHECK(judge_c13(1, pinned, TraceFacts{1, 20, 0}, 4).verdict == Verdict::nuanced);
    CHECK(judge_c13(2, TraceFacts{2, 2, 0}, TraceFacts{1, 3, 0}, 4).verdict ==
          Verdict::contradicted);
  }

  TEST_CASE("the crossover is where threads start to win and keep winning") {
    CHECK(find_crossover({1, 2, 3, 4}, {5, 3, 2, 1}) == std::optional<std::size_t>(2));
    CHECK(find_crossover({1, 2, 3, 4}, {0.5, 3, 2, 1}) == std::optional<std::size_t>(2));
    CHECK(find_crossover({1, 2}, {0.5, 1}) == std::optional<std::size_t>(0));
    CHECK_FALSE(find_crossover({1, 2, 3}, {2, 3, 4}).has_value());
    CHECK_FALSE(find_crossover({1, 2, 3}, {0.5, 1, 4}).has_value());
  }

  TEST_CASE("the live lesson: three runs, one result, three timelines") {
    const auto r =
        lessons::run_lesson_with_args("concurrency-vs-parallelism", {"--quick", "--tasks", "3"});
    const report::Table* modes = nullptr;
    const report::Table* cross = nullptr;
    for (const auto& t : r.tables) {
      modes = t.id == "modes" ? &t : modes;
      cross = t.id == "crossover" ? &t : cross;
    }
    REQUIRE(modes != nullptr);
    REQUIRE(cross != nullptr);
    REQUIRE(modes->rows.size() == 3);
    const auto result = std::get<std::string>(modes->rows[0].back());
    CHECK(std::get<std::string>(modes->rows[1].back()) == result);
    CHECK(std::get<std::string>(modes->rows[2].back()) == result);
    REQUIRE(r.timelines.size() == 3);
    for (const auto& t : r.timelines) {
      CAPTURE(t.id);
      REQUIRE(t.rows.size() == 3);
      CHECK(t.row_labels.size() == 3);
      for (const auto& row : t.rows) {
        CHECK(report::display_width(row) == report::display_width(t.rows[0]));
      }
    }
    for (const char* id : {"unit_ns", "wall_ns_sequential", "wall_ns_concurrent",
                           "wall_ns_parallel", "cpu_ns_parallel"}) {
      CHECK_MESSAGE(r.find_measurement(id) != nullptr, id);
    }
    CHECK(r.verdicts.size() == 4);
  }
}
