#include <doctest/doctest.h>

#include "lessons/channels/channels.h"

using namespace conc;
using namespace conc::lessons::channels;
using report::Verdict;

TEST_SUITE("lesson channels") {
  TEST_CASE("the pipeline's exact answer is n(n+1)(2n+1)/6") {
    CHECK(sum_of_squares(1) == 1);
    CHECK(sum_of_squares(3) == 14);
    CHECK(sum_of_squares(100'000) == 333'338'333'350'000ULL);
    CHECK(sum_of_squares(2'000'000) == 2'666'668'666'667'000'000ULL);
  }

  TEST_CASE("C32: exact sums and Go's rules confirm; a lost value contradicts") {
    const std::vector<RuleCase> as_go = {{"recv", "0 false", "0 false", true},
                                         {"close of nil", "p", "p", true}};
    // A machine where every run of every capacity summed exactly.
    const std::vector<PipelineRun> exact = {{0, 5, 5}, {1, 5, 5}, {64, 5, 5}, {1024, 5, 5}};
    const auto ok = judge_c32(exact, as_go);
    CHECK(ok.verdict == Verdict::confirmed);
    CHECK(ok.because.find("20 of 20") != std::string::npos);
    // A runtime whose buffered channel dropped a value in one run.
    auto lossy = exact;
    lossy[2].exact_runs = 4;
    const auto lost = judge_c32(lossy, as_go);
    CHECK(lost.verdict == Verdict::contradicted);
    CHECK(lost.because.find("1 of 20") != std::string::npos);
    // A runtime that returned a value from a closed, drained channel.
    auto differs = as_go;
    differs[0].as_go = false;
    const auto nuanced = judge_c32(exact, differs);
    CHECK(nuanced.verdict == Verdict::nuanced);
    CHECK(nuanced.because.find("recv") != std::string::npos);
    // Nothing measured (interrupted before the pipeline).
    CHECK(judge_c32({}, as_go).verdict == Verdict::not_judged);
  }
}
