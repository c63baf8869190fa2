#include <doctest/doctest.h>

#include "os/procfs/proc_parse.h"

using namespace conc::os;

TEST_SUITE("proc parsers") {
  TEST_CASE("status: threads, switches and memory") {
    const char* text =
        "Name:\tconc-lab\nTgid:\t4242\nPid:\t4242\nVmSize:\t  123456 kB\nVmRSS:\t    8192 kB\n"
        "VmStk:\t     132 kB\nVmPTE:\t      96 kB\nThreads:\t3\nvoluntary_ctxt_switches:\t17\n"
        "nonvoluntary_ctxt_switches:\t2\n";
    const auto st = parse_status(text);
    CHECK(st.pid == 4242);
    CHECK(st.tgid == 4242);
    CHECK(st.threads == 3);
    CHECK(st.vm_rss_kib == 8192);
    CHECK(st.vm_size_kib == 123456);
    CHECK(st.vm_stk_kib == 132);
    CHECK(st.vm_pte_kib == 96);
    CHECK(st.voluntary_switches == 17);
    CHECK(st.involuntary_switches == 2);
  }

  TEST_CASE("status: a field the kernel did not print stays empty") {
    CHECK_FALSE(parse_status("Name:\tx\n").threads.has_value());
  }

  TEST_CASE("schedstat: run time, wait time, slices") {
    const auto s = parse_schedstat("123456789 2345 67\n");
    REQUIRE(s.has_value());
    CHECK(s->run_ns == 123456789);
    CHECK(s->wait_ns == 2345);
    CHECK(s->slices == 67);
    CHECK_FALSE(parse_schedstat("garbage").has_value());
  }

  TEST_CASE("sched: key : value lines, numbers on demand") {
    const char* text =
        "conc-lab (4242, #threads: 1)\n"
        "-------------------------------------------------------------------\n"
        "se.exec_start                                :       1234567.123456\n"
        "se.slice                                     :              1400000\n"
        "nr_switches                                  :                   42\n"
        "nr_involuntary_switches                      :                    3\n";
    const auto m = parse_sched(text);
    CHECK(sched_number(m, "se.slice") == 1400000.0);
    CHECK(sched_number(m, "nr_switches") == 42.0);
    CHECK(sched_number(m, "nr_involuntary_switches") == 3.0);
    CHECK_FALSE(sched_number(m, "se.missing").has_value());
  }

  TEST_CASE("maps: ranges, permissions and names") {
    const char* text =
        "55d0c0a00000-55d0c0a21000 r--p 00000000 fd:01 123 /usr/bin/conc-lab\n"
        "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
        "7f0000001000-7f0000801000 rw-p 00000000 00:00 0 \n"
        "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n";
    const auto maps = parse_maps(text);
    REQUIRE(maps.size() == 4);
    CHECK(maps[0].path == "/usr/bin/conc-lab");
    CHECK(maps[1].perms == "---p");
    CHECK(maps[1].size() == 4096);
    CHECK(maps[2].path.empty());
    CHECK(maps[2].size() == 8 * 1024 * 1024);
    CHECK(maps[3].path == "[stack]");
  }

  TEST_CASE("cpuinfo: model, hypervisor flag, CPU count") {
    const char* text =
        "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme hypervisor lahf_lm\n\n"
        "processor\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme hypervisor lahf_lm\n";
    const auto ci = parse_cpuinfo(text);
    CHECK(ci.model == "AMD EPYC");
    CHECK(ci.hypervisor);
    CHECK(ci.logical_cpus == 2);
    CHECK_FALSE(parse_cpuinfo("processor : 0\nflags : fpu hypervisorx\n").hypervisor);
  }

  TEST_CASE("/proc/stat: busy, idle and steal") {
    const auto t = parse_proc_stat_cpu("cpu  100 5 50 1000 20 3 2 40 0 0\ncpu0 ...\n");
    REQUIRE(t.has_value());
    CHECK(t->busy == 160);
    CHECK(t->idle == 1020);
    CHECK(t->steal == 40);
    CHECK_FALSE(parse_proc_stat_cpu("intr 1 2 3").has_value());
  }

  TEST_CASE("kernel release and CONFIG_HZ") {
    const auto v = parse_kernel_release("6.18.44-fc-v782");
    REQUIRE(v.has_value());
    CHECK(v->major == 6);
    CHECK(v->minor == 18);
    CHECK(v->at_least(6, 6));
    CHECK_FALSE(parse_kernel_release("5.15.0")->at_least(6, 6));
    CHECK(parse_config_hz("# CONFIG_HZ_1000 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n") == 250);
    CHECK_FALSE(parse_config_hz("CONFIG_HZ_250=y\n").has_value());
  }

  TEST_CASE("loadavg, environ, cgroup limits") {
    CHECK(parse_loadavg("0.52 0.40 0.33 1/234 5678\n") == 0.52);
    CHECK(count_environ_entries(std::string("A=1\0B=2\0", 8)) == 2);
    CHECK(parse_cgroup_limit("max\n") == std::nullopt);
    CHECK(parse_cgroup_limit("4915\n") == 4915);
    CHECK(parse_cgroup_cpu_max("max 100000") == std::nullopt);
    CHECK(parse_cgroup_cpu_max("150000 100000") == doctest::Approx(1.5));
  }
}

TEST_CASE("/proc/stat: procs_running") {
  CHECK(conc::os::parse_procs_running("cpu 1 2 3\nprocs_running 3\nprocs_blocked 0\n") == 3);
  CHECK_FALSE(conc::os::parse_procs_running("cpu 1 2 3\n").has_value());
}

TEST_SUITE("proc_parse: files the lessons used to read themselves") {
  using namespace conc::os;

  TEST_CASE("status: the affinity mask as the kernel lists it") {
    const auto st = parse_status("Name:\tx\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3,6\n");
    CHECK(st.cpus_allowed_list == "0-3,6");
    CHECK(parse_status("Name:\tx\n").cpus_allowed_list.empty());
  }

  TEST_CASE("limits: the lines after the header") {
    CHECK(count_limits_entries("Limit  Soft Limit  Hard Limit  Units\n"
                               "Max cpu time  unlimited  unlimited  seconds\n"
                               "Max file size  unlimited  unlimited  bytes\n") == 2);
    CHECK(count_limits_entries("Limit  Soft Limit  Hard Limit  Units\n") == 0);
    CHECK(count_limits_entries("") == 0);
  }

  TEST_CASE("cgroup: the v2 path and the v1 pids hierarchy") {
    // A cgroup v2 machine (systemd user session).
    const char* v2 = "0::/user.slice/user-1000.slice/session-2.scope\n";
    CHECK(parse_cgroup_v2_path(v2) == "/user.slice/user-1000.slice/session-2.scope");
    CHECK_FALSE(parse_cgroup_v1_pids_path(v2).has_value());
    // A cgroup v1 machine (an older Docker host): the pids controller has its own line.
    const char* v1 = "12:cpuset:/docker/ab\n5:pids:/docker/ab\n1:name=systemd:/docker/ab\n";
    CHECK(parse_cgroup_v1_pids_path(v1) == "/docker/ab");
    CHECK_FALSE(parse_cgroup_v2_path(v1).has_value());
    // The last line without its newline, and the root cgroup.
    CHECK(parse_cgroup_v2_path("0::/") == "/");
    CHECK(cgroup_dir("/sys/fs/cgroup", "/") == "/sys/fs/cgroup");
    CHECK(cgroup_dir("/sys/fs/cgroup/pids", "/docker/ab") == "/sys/fs/cgroup/pids/docker/ab");
  }
}
