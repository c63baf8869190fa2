#include <doctest/doctest.h>

#include <algorithm>

#include "os/procfs/thread_caps.h"

using namespace conc::os;

TEST_SUITE("thread caps") {
  TEST_CASE("loadavg: the number of tasks") {
    CHECK(parse_loadavg_tasks("0.52 0.58 0.59 3/412 12345\n") == 412);
    CHECK_FALSE(parse_loadavg_tasks("0.52 0.58").has_value());
  }

  TEST_CASE("the tightest limit wins; mappings count two per thread") {
    ThreadCapInput in;
    in.caps.threads_max = 192'729;
    in.caps.pid_max = 32'768;
    in.caps.max_map_count = 65'530;
    in.nproc.soft = 96'364;
    in.nproc_enforced = true;
    in.tasks_on_system = 400;
    in.maps_in_use = 30;
    const auto caps = thread_caps(in);
    REQUIRE(caps.size() == 4);
    const auto tight = tightest_cap(caps);
    REQUIRE(tight.has_value());
    CHECK(tight->name == "pid_max");
    CHECK(tight->headroom == 32'368);
    const auto maps = std::find_if(caps.begin(), caps.end(),
                                   [](const auto& c) { return c.name == "max_map_count"; });
    REQUIRE(maps != caps.end());
    CHECK(maps->headroom == (65'530 - 30) / 2);
  }

  TEST_CASE("root ignores RLIMIT_NPROC; a cgroup can be the tightest") {
    ThreadCapInput in;
    in.nproc.soft = 10;
    in.nproc_enforced = false;
    in.caps.cgroup_pids_max = 512;
    in.caps.cgroup_pids_current = 500;
    in.caps.cgroup_path = "/sys/fs/cgroup/x";
    const auto caps = thread_caps(in);
    REQUIRE(caps.size() == 1);
    CHECK(tightest_cap(caps)->name == "cgroup pids.max");
    CHECK(tightest_cap(caps)->headroom == 12);
    CHECK_FALSE(tightest_cap({}).has_value());
  }
}
