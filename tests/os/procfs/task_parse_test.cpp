#include <doctest/doctest.h>

#include "os/procfs/task_parse.h"

using namespace conc::os;

TEST_SUITE("task parsers") {
  TEST_CASE("task stat: state, last CPU and faults, even with ') ' inside the name") {
    const char* text =
        "23425 (a) b (c)) S 23423 23423 8288 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 112661 "
        "3133440 387 18446744073709551615 94463657869312 94463657889193 140726299126656 0 0 0 0 "
        "0 0 0 0 0 17 1 0 0 0 0 0 94463657905200 94463657906816 94463694172160 140726299134408 "
        "140726299134428 140726299134428 140726299135979 0\n";
    const auto st = parse_task_stat(text);
    REQUIRE(st.has_value());
    CHECK(st->state == 'S');
    CHECK(st->processor == 1);
    CHECK(st->minor_faults == 100);
    CHECK_FALSE(parse_task_stat("42 (x) R 1 2 3").has_value());
    CHECK_FALSE(parse_task_stat("no parenthesis").has_value());
  }

  TEST_CASE("autogroup: id and nice") {
    const auto g = parse_autogroup("/autogroup-10 nice 0\n");
    REQUIRE(g.has_value());
    CHECK(g->id == 10);
    CHECK(g->nice == 0);
    const auto h = parse_autogroup("/autogroup-7031 nice -5");
    REQUIRE(h.has_value());
    CHECK(h->id == 7031);
    CHECK(h->nice == -5);
    CHECK_FALSE(parse_autogroup("").has_value());
    CHECK_FALSE(parse_autogroup("/autogroup-x nice 0").has_value());
  }

  TEST_CASE("/proc/stat per CPU: busy and idle ticks by CPU number") {
    const char* text =
        "cpu  513661 0 24957 251334 250 0 575 1267 0 0\n"
        "cpu0 266461 0 12905 115762 59 0 55 627 0 0\n"
        "cpu1 247199 0 12051 135572 190 0 519 640 0 0\n"
        "intr 123 4 5\nctxt 999\n";
    const auto cpus = parse_proc_stat_per_cpu(text);
    REQUIRE(cpus.size() == 2);
    CHECK(cpus[0].busy == 266461 + 12905 + 0 + 55);
    CHECK(cpus[0].idle == 115762 + 59);
    CHECK(cpus[1].steal == 640);
    CHECK(parse_proc_stat_per_cpu("cpu  1 2 3 4 5 6 7 8\n").empty());
  }

  TEST_CASE("meminfo: a field in KiB, whole keys only") {
    const char* text =
        "MemTotal:       24683656 kB\nMemFree:        20000000 kB\n"
        "MemAvailable:   23693528 kB\nCommitLimit:    12341828 kB\nCommitted_AS:    1234 kB\n";
    CHECK(parse_meminfo_kib(text, "MemAvailable") == 23693528);
    CHECK(parse_meminfo_kib(text, "MemTotal") == 24683656);
    CHECK(parse_meminfo_kib(text, "Committed_AS") == 1234);
    CHECK(parse_meminfo_kib(text, "Mem") == std::nullopt);
    CHECK(parse_meminfo_kib(text, "Free") == std::nullopt);
  }

  TEST_CASE("a thread stack, its guard page, and an address between them") {
    const std::vector<Mapping> maps = {
        {0x7f0000000000, 0x7f0000001000, "---p", ""},
        {0x7f0000001000, 0x7f0000801000, "rw-p", ""},
        {0x7f0000801000, 0x7f0000802000, "---p", ""},
        {0x7f0000802000, 0x7f0001002000, "rw-p", ""},
        {0x7ffd00000000, 0x7ffd00021000, "rw-p", "[stack]"},
    };
    CHECK(find_mapping(maps, 0x7f0000400000) == 1u);
    CHECK(find_mapping(maps, 0x7f0000801000) == 2u);  // start is inside, end is not
    CHECK(find_mapping(maps, 0x7f0001002000) == std::nullopt);
    CHECK(guard_below(maps, 1) == 0u);
    CHECK(guard_below(maps, 3) == 2u);
    CHECK(guard_below(maps, 4) == std::nullopt);  // the main stack has no such neighbour here
    CHECK(guard_below(maps, 0) == std::nullopt);
    CHECK(guard_below(maps, 99) == std::nullopt);
  }
}
