#include <doctest/doctest.h>

#include <chrono>

#include "os/procfs/sysinfo.h"
#include "os/sys/affinity.h"
#include "os/sys/command.h"
#include "os/workloads/perf_bench.h"

using namespace conc::os;
using namespace std::chrono_literals;

namespace {

// perf 6.1's default output, as printed on the lab machine.
constexpr const char* kProcesses = R"(# Running 'sched/pipe' benchmark:
# Executed 100000 pipe operations between two processes

     Total time: 0.171 [sec]

       1.713540 usecs/op
         583587 ops/sec
)";

constexpr const char* kThreads = R"(# Running 'sched/pipe' benchmark:
# Executed 200000 pipe operations between two threads

     Total time: 0.301 [sec]

       1.505860 usecs/op
         664072 ops/sec
)";

}  // namespace

TEST_SUITE("perf bench sched pipe") {
  TEST_CASE("the default output of a process run parses") {
    const auto p = parse_perf_sched_pipe(kProcesses);
    REQUIRE(p.has_value());
    CHECK(p->loops == 100000);
    CHECK_FALSE(p->threads);
    CHECK(p->usecs_per_op == doctest::Approx(1.71354));
  }

  TEST_CASE("a thread run says threads") {
    const auto p = parse_perf_sched_pipe(kThreads);
    REQUIRE(p.has_value());
    CHECK(p->threads);
    CHECK(p->loops == 200000);
    CHECK(p->usecs_per_op == doctest::Approx(1.50586));
  }

  TEST_CASE("output without usecs/op is no result") {
    CHECK_FALSE(parse_perf_sched_pipe("").has_value());
    CHECK_FALSE(parse_perf_sched_pipe("perf: 'bench' is not a perf-command.\n").has_value());
    CHECK_FALSE(parse_perf_sched_pipe("  abc usecs/op\n").has_value());
  }

  TEST_CASE("perf, when installed, runs pinned and answers") {
    const std::string perf = find_in_path("perf");
    if (perf.empty()) {
      MESSAGE("perf not installed: skipped (" << how_to_install_perf() << ")");
      return;
    }
    const PerfRun run = run_perf_sched_pipe(perf, default_cpu(), 2'000, true, 30s);
    CAPTURE(run.error);
    REQUIRE(run.result.has_value());
    CHECK(run.result->loops == 2'000);
    CHECK(run.result->threads);
    CHECK(run.result->usecs_per_op > 0);
  }
}

TEST_SUITE("pinned command") {
  TEST_CASE("output is captured and the program runs on the CPU asked for") {
    const int cpu = default_cpu();
    const auto r = run_captured({"/bin/grep", "Cpus_allowed_list", "/proc/self/status"}, cpu, 10s);
    CHECK(r.status.exited);
    CHECK(r.status.code == 0);
    CHECK_FALSE(r.timed_out);
    // Built step by step: GCC 12 warns falsely (-Wrestrict) on "\t" + to_string(cpu) + "\n".
    std::string line = "Cpus_allowed_list:\t";
    line += std::to_string(cpu);
    line += '\n';
    CHECK(r.output == line);
  }

  TEST_CASE("a program that does not exist is an exit status, not an exception") {
    const auto r = run_captured({"/nonexistent/program"}, -1, 10s);
    CHECK(r.status.exited);
    CHECK(r.status.code == 127);
  }

  TEST_CASE("a program that outlives its deadline is killed with what it started") {
    const auto r = run_captured({"/bin/sh", "-c", "sleep 30 & sleep 30"}, -1, 100ms);
    CHECK(r.timed_out);
    CHECK(r.status.signaled);
  }
}
