#include <doctest/doctest.h>

#include "lessons/process/process.h"

using namespace conc;
using namespace conc::lessons::process;
using report::Verdict;

TEST_SUITE("lesson process") {
  TEST_CASE("C04: separate memories confirm, a shared write contradicts") {
    const MarkerView writer{100, "/bin/x", 0x1000, 42};
    const MarkerView reader{101, "/bin/x", 0x1000, 7};
    CHECK(judge_c04(writer, reader, 7, 7, 42).verdict == Verdict::confirmed);
    const MarkerView shared{101, "/bin/x", 0x1000, 42};
    CHECK(judge_c04(writer, shared, 7, 7, 42).verdict == Verdict::contradicted);
    CHECK(judge_c04(writer, writer, 7, 7, 42).verdict == Verdict::contradicted);
  }

  TEST_CASE("C05: a chdir that stays in the child confirms") {
    CHECK(judge_c05("/", "/", "/home/x").verdict == Verdict::confirmed);
    CHECK(judge_c05("/", "/", "/").verdict == Verdict::contradicted);
    CHECK(judge_c05("/home/x", "/", "/home/x").verdict == Verdict::contradicted);
  }

  TEST_CASE("C06: one thread whose tid is the pid") {
    CHECK(judge_c06(50, 50, 1, 1).verdict == Verdict::confirmed);
    CHECK(judge_c06(50, 51, 1, 1).verdict == Verdict::contradicted);
    CHECK(judge_c06(50, 50, 2, 2).verdict == Verdict::contradicted);
  }

  TEST_CASE("C07: growth one by one confirms, rough growth nuances, none contradicts") {
    CHECK(judge_c07(1, {2, 3, 4}, 1).verdict == Verdict::confirmed);
    CHECK(judge_c07(1, {2, 2, 4}, 1).verdict == Verdict::nuanced);
    CHECK(judge_c07(1, {2, 3, 4}, 2).verdict == Verdict::nuanced);
    CHECK(judge_c07(1, {1, 1, 1}, 1).verdict == Verdict::contradicted);
  }
}
