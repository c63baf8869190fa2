// Lesson concurrency-vs-parallelism's pure parts on synthetic numbers: the traces, the
// timeline, the verdict rules and the crossover.

#include <doctest/doctest.h>

#include "lessons/common/cpu_trace.h"
#include "lessons/concurrency_vs_parallelism/concurrency_vs_parallelism.h"
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
const Room kQuiet{2, 4, os::OtherLoad{1, 0.02}};
const Room kOtherHeld{2, 4, os::OtherLoad{1, 0.85}};
const Room kOtherLight{2, 4, os::OtherLoad{1, 0.3}};
}  // namespace

TEST_SUITE("concurrency-vs-parallelism verdicts") {
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

  TEST_CASE("C02: a definition, confirmed by sustained overlap against the free CPU") {
    // Quiet two-CPU machine: overlap 90% of the run.
    CHECK(judge_c02({kQuiet, 1.9, 0.9}).verdict == Verdict::confirmed);
    // Busy machine: other programs held 30% of CPU 1, overlap 40% of the run = 57% of what
    // was free. The old rule (50% of the run) said "less overlap than the CPUs allow".
    const auto busy = judge_c02({kOtherLight, 1.4, 0.4});
    CHECK(busy.verdict == Verdict::confirmed);
    CHECK(busy.because.find("70.0%") != std::string::npos);
    // Overlap that never sustained: could not judge, never "contradicted".
    CHECK(judge_c02({kQuiet, 1.1, 0.05}).verdict == Verdict::not_judged);
    CHECK(judge_c02({kQuiet, 1.0, 0.0}).verdict == Verdict::not_judged);
    // A one-CPU container, or one piece: nothing to show.
    const auto single = judge_c02({{1, 4, std::nullopt}, 1.0, 0.0});
    CHECK(single.verdict == Verdict::not_judged);
    CHECK(single.because.find("cannot be shown") != std::string::npos);
    const auto one_piece = judge_c02({{2, 1, std::nullopt}, 1.0, 0.0});
    CHECK(one_piece.verdict == Verdict::not_judged);
    CHECK(one_piece.because.find("cannot be shown") != std::string::npos);
  }

  TEST_CASE("C02: another program holding the other CPU: could not judge, and it is named") {
    const auto v = judge_c02({kOtherHeld, 1.0, 0.0});
    CHECK(v.verdict == Verdict::not_judged);
    CHECK(v.because.find("CPU 1 85.0%") != std::string::npos);
    // A program holding 70% of it, and overlap in most of what it left: confirmed.
    const Room held70{2, 4, os::OtherLoad{1, 0.7}};
    CHECK(judge_c02({held70, 1.2, 0.16}).verdict == Verdict::confirmed);
  }

  TEST_CASE("C03 on a busy machine: a baseline that did not get its CPU cannot be judged") {
    // The one-thread run got 0.37 of a CPU: pinned threads looked 1.88x as fast.
    const auto v = judge_c03({kQuiet, 1.9, 1.88, 0.37});
    CHECK(v.verdict == Verdict::not_judged);
    CHECK(v.because.find("37.0%") != std::string::npos);
    CHECK(judge_c03({kQuiet, 1.9, 1.0, 0.99}).verdict == Verdict::confirmed);
  }

  TEST_CASE("C03: the speed-up against the CPUs") {
    CHECK(judge_c03({kQuiet, 1.9, 1.0}).verdict == Verdict::confirmed);
    CHECK(judge_c03({kQuiet, 1.2, 1.0}).verdict == Verdict::nuanced);
    CHECK(judge_c03({kQuiet, 0.9, 1.0}).verdict == Verdict::contradicted);
    CHECK(judge_c03({{1, 4, std::nullopt}, 1.0, 1.0}).verdict == Verdict::nuanced);
    // One piece on two CPUs: no "let the job use the other CPU" at 0.999x.
    const auto one_piece = judge_c03({{2, 1, std::nullopt}, 0.999, 1.0});
    CHECK(one_piece.verdict == Verdict::nuanced);
    CHECK(one_piece.because.find("other CPU") == std::string::npos);
    const auto held = judge_c03({kOtherHeld, 1.0, 1.0});
    CHECK(held.verdict == Verdict::nuanced);
    CHECK(held.because.find("CPU 1") != std::string::npos);
  }

  TEST_CASE("C13: concurrent then parallel") {
    const TraceFacts pinned{1, 20, 0};
    const TraceFacts free{2, 20, 0.8};
    CHECK(judge_c13(kQuiet, pinned, free).verdict == Verdict::confirmed);
    CHECK(judge_c13({1, 4, std::nullopt}, pinned, TraceFacts{1, 20, 0}).verdict ==
          Verdict::nuanced);
    CHECK(judge_c13({2, 1, std::nullopt}, TraceFacts{1, 0, 0}, TraceFacts{1, 0, 0}).verdict ==
          Verdict::nuanced);
    CHECK(judge_c13(kQuiet, TraceFacts{2, 2, 0}, TraceFacts{1, 3, 0}).verdict ==
          Verdict::contradicted);
    const auto held = judge_c13(kOtherHeld, pinned, TraceFacts{1, 20, 0});
    CHECK(held.verdict == Verdict::nuanced);
    CHECK(held.because.find("CPU 1") != std::string::npos);
  }

  TEST_CASE("the crossover is where threads start to win and keep winning") {
    CHECK(find_crossover({1, 2, 3, 4}, {5, 3, 2, 1}) == std::optional<std::size_t>(2));
    CHECK(find_crossover({1, 2, 3, 4}, {0.5, 3, 2, 1}) == std::optional<std::size_t>(2));
    CHECK(find_crossover({1, 2}, {0.5, 1}) == std::optional<std::size_t>(0));
    CHECK_FALSE(find_crossover({1, 2, 3}, {2, 3, 4}).has_value());
    CHECK_FALSE(find_crossover({1, 2, 3}, {0.5, 1, 4}).has_value());
  }

  TEST_CASE("the crossover note says what this run can tell") {
    CrossoverView v;
    v.sizes_ns = {1e4, 1e5, 1e6};
    v.room = kOtherHeld;
    v.repeats = 9;
    const auto held = crossover_note(v);
    CHECK(held.find("CPU 1 85.0%") != std::string::npos);
    CHECK(held.find("only adds cost") == std::string::npos);
    v.room = {1, 4, std::nullopt};
    CHECK(crossover_note(v).find("one CPU") != std::string::npos);
    v.room = kQuiet;
    v.from = 1;
    const auto found = crossover_note(v);
    CHECK(found.find("between 10.0 µs and 100 µs") != std::string::npos);
    CHECK(found.find("9 runs") != std::string::npos);
  }
}
