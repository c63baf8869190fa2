#include <doctest/doctest.h>

#include "os/procfs/sched_window.h"

using namespace conc::os;

namespace {
TaskSample sample(pid_t tid, std::int64_t run, std::int64_t wait, std::int64_t slices,
                  std::optional<std::int64_t> switches = std::nullopt,
                  std::optional<std::int64_t> involuntary = std::nullopt) {
  TaskSample s;
  s.tid = tid;
  s.stat = SchedStat{run, wait, slices};
  if (switches) {
    TaskSched sched;
    sched.nr_switches = switches;
    sched.nr_involuntary_switches = involuntary;
    s.sched = sched;
  }
  return s;
}
}  // namespace

TEST_SUITE("sched window") {
  TEST_CASE("task sched: switch counts, run time in ms, EEVDF slice") {
    const char* text =
        "conc-lab (4242, #threads: 3)\n"
        "-------------------------------------------------------------------\n"
        "se.exec_start                                :        743326.480587\n"
        "se.vruntime                                  :            67.469215\n"
        "se.sum_exec_runtime                          :          1234.567891\n"
        "se.nr_migrations                             :                    2\n"
        "nr_switches                                  :                  250\n"
        "nr_voluntary_switches                        :                   10\n"
        "nr_involuntary_switches                      :                  240\n"
        "se.load.weight                               :              1048576\n"
        "policy                                       :                    0\n"
        "se.slice                                     :              1400000\n";
    const auto s = parse_task_sched(text);
    CHECK(s.nr_switches == 250);
    CHECK(s.nr_voluntary_switches == 10);
    CHECK(s.nr_involuntary_switches == 240);
    CHECK(s.sum_exec_runtime_ns == 1'234'567'891);
    CHECK(s.slice_ns == 1'400'000);
  }

  TEST_CASE("task sched: a CFS kernel has no se.slice") {
    const auto s = parse_task_sched("nr_switches : 5\nse.sum_exec_runtime : 0.5\n");
    CHECK(s.nr_switches == 5);
    CHECK(s.sum_exec_runtime_ns == 500'000);
    CHECK_FALSE(s.slice_ns.has_value());
    CHECK_FALSE(s.nr_involuntary_switches.has_value());
  }

  TEST_CASE("only the window counts: differences, totals, means") {
    TaskSnapshot before{1'000, 1'000, {sample(10, 100, 0, 5, 9, 4), sample(11, 200, 50, 7, 20, 3)}};
    TaskSnapshot after{
        1'001'000,
        1'001'000,
        {sample(10, 500'100, 400'000, 105, 109, 104), sample(11, 500'200, 300'050, 107, 120, 103)}};
    const auto w = summarize_window(before, after);
    CHECK(w.window_ns == 1'000'000);
    REQUIRE(w.tasks.size() == 2);
    CHECK(w.tasks[0].run_ns == 500'000);
    CHECK(w.tasks[0].slices == 100);
    CHECK(w.tasks[0].mean_slice_ns() == doctest::Approx(5'000));
    CHECK(w.run_ns == 1'000'000);
    CHECK(w.wait_ns == 700'000);
    CHECK(w.slices == 200);
    CHECK(w.mean_slice_ns() == doctest::Approx(5'000));
    CHECK(w.mean_wait_per_turn_ns() == doctest::Approx(3'500));
    CHECK(w.slices_per_second() == doctest::Approx(200'000));
    CHECK(w.cpu_share() == doctest::Approx(1.0));
    CHECK(w.tasks[1].run_ns == 500'000);
    CHECK(w.switches == 200);
    CHECK(w.involuntary_switches == 200);
    CHECK(w.tasks_that_ran == 2);
    CHECK(w.tasks_missing == 0);
  }

  TEST_CASE("a task seen once, one that never ran, and one without sched") {
    TaskSnapshot before{0, 0, {sample(1, 10, 0, 1), sample(2, 10, 0, 1, 3, 1), sample(3, 5, 0, 1)}};
    TaskSnapshot after{2'000, 2'000, {sample(2, 10, 0, 1, 3, 1), sample(3, 1'005, 0, 2)}};
    const auto w = summarize_window(before, after);
    CHECK(w.tasks.size() == 2);
    CHECK(w.tasks_missing == 1);
    CHECK(w.tasks_that_ran == 1);
    CHECK_FALSE(w.tasks[0].mean_slice_ns().has_value());
    CHECK_FALSE(w.switches.has_value());  // task 3 has no sched
    CHECK(w.cpu_share() == doctest::Approx(0.5));
  }

  TEST_CASE("tasks a snapshot ran out of time for are counted, not matched") {
    TaskSnapshot before{0, 0, {sample(1, 10, 0, 1), sample(2, 10, 0, 1)}, 3};
    TaskSnapshot after{2'000, 2'000, {sample(1, 1'010, 0, 2)}, 1};
    const auto w = summarize_window(before, after);
    CHECK(w.tasks.size() == 1);
    CHECK(w.tasks_unread == 4);  // 3 never read at the start, 1 of those read not read again
  }

  TEST_CASE("rates use each task's own interval: a slow reader does not skew them") {
    auto at = [](TaskSample s, std::int64_t t) {
      s.t_ns = t;
      return s;
    };
    // Task 1 read at 100 and 1,100 ns; task 2 at 600 and 2,100 ns (the reader stalled).
    TaskSnapshot before{100, 600, {at(sample(1, 0, 0, 0), 100), at(sample(2, 0, 0, 0), 600)}};
    TaskSnapshot after{
        1'100, 2'100, {at(sample(1, 500, 0, 10), 1'100), at(sample(2, 750, 0, 15), 2'100)}};
    const auto w = summarize_window(before, after);
    REQUIRE(w.tasks.size() == 2);
    CHECK(w.tasks[1].interval_ns == 1'500);
    CHECK(w.tasks[0].interval_ns == 1'000);
    CHECK(w.cpu_share() == doctest::Approx(1.0));  // 500 of 1,000 ns plus 750 of 1,500 ns
    CHECK(w.slices_per_second() == doctest::Approx(2e7));
    CHECK(w.mean_slice_ns() == doctest::Approx(50));
  }

  TEST_CASE("the caller's work counter: per second and per CPU-second") {
    auto with_work = [](TaskSample s, std::uint64_t work) {
      s.work = work;
      return s;
    };
    TaskSnapshot before{
        0, 0, {with_work(sample(1, 0, 0, 0), 10), with_work(sample(2, 0, 0, 0), 0)}};
    TaskSnapshot after{1'000'000'000,
                       1'000'000'000,
                       {with_work(sample(1, 250'000'000, 0, 5), 110),
                        with_work(sample(2, 250'000'000, 0, 5), 100)}};
    const auto w = summarize_window(before, after);
    CHECK(w.work == 200);
    CHECK(w.tasks[0].work == 100);
    CHECK(w.work_per_second() == doctest::Approx(200));
    CHECK(w.work_per_cpu_second() == doctest::Approx(400));  // half a CPU did 200 a second
    CHECK_FALSE(summarize_window({}, {}).work_per_cpu_second().has_value());
  }

  TEST_CASE("an empty window gives no slice and no rate") {
    const auto w = summarize_window({}, {});
    CHECK_FALSE(w.mean_slice_ns().has_value());
    CHECK(w.slices_per_second() == 0);
    CHECK(w.cpu_share() == 0);
  }
}
