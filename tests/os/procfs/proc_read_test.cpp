// The thin readers the lessons call instead of opening /proc themselves: each reads its file
// on this very machine (the parsers behind them are tested on canned text).
#include <doctest/doctest.h>

#include <unistd.h>

#include "os/procfs/limits.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/system_wide.h"
#include "os/procfs/task_parse.h"

using namespace conc::os;

TEST_SUITE("proc_read: readers of this process and this machine") {
  TEST_CASE("this process's links, environment, limits and tasks") {
    const pid_t pid = ::getpid();
    CHECK_FALSE(read_exe(pid).value_or("").empty());
    CHECK(read_cwd(pid).value_or("").front() == '/');
    CHECK(read_environ(pid).has_value());
    CHECK(read_limits_count(pid).value_or(0) > 10);  // Linux lists 16
    const auto stat = read_task_stat(pid, current_tid());
    REQUIRE(stat.has_value());
    CHECK(stat->state == 'R');  // the reader itself is running
    CHECK(read_task_stat(pid, -1) == std::nullopt);
  }

  TEST_CASE("system-wide settings and memory") {
    CHECK(read_pid_max().value_or(0) > 0);
    CHECK(read_overcommit_memory().value_or(-1) >= 0);
    const auto meminfo = read_meminfo();
    REQUIRE(meminfo.has_value());
    CHECK(parse_meminfo_kib(*meminfo, "MemTotal").value_or(0) > 0);
    // cgroup v1 pids is absent on a cgroup v2 machine: either answer is a number or nothing.
    (void)read_cgroup_v1_pids_headroom();
  }
}
