#include <doctest/doctest.h>

#include <cmath>

#include "lessons/select/select.h"

using namespace conc;
using namespace conc::lessons::select;
using report::Verdict;

TEST_SUITE("lesson select") {
  TEST_CASE("the chi-square p-value matches the tables") {
    // Textbook critical values: P(X >= x) for X ~ chi-square(dof).
    CHECK(chi_square_p_value(7.815, 3) == doctest::Approx(0.05).epsilon(1e-3));
    CHECK(chi_square_p_value(11.345, 3) == doctest::Approx(0.01).epsilon(1e-3));
    CHECK(chi_square_p_value(16.266, 3) == doctest::Approx(0.001).epsilon(1e-3));
    CHECK(chi_square_p_value(3.841, 1) == doctest::Approx(0.05).epsilon(1e-3));
    CHECK(chi_square_p_value(0.0, 3) == 1.0);
    // dof 2: Q(1, x/2) = e^(-x/2) exactly; both branches of the gamma function.
    CHECK(chi_square_p_value(1.0, 2) == doctest::Approx(std::exp(-0.5)));
    CHECK(chi_square_p_value(40.0, 2) == doctest::Approx(std::exp(-20.0)));
    CHECK(chi_square_critical(0.001, 3) == doctest::Approx(16.266).epsilon(1e-3));
    CHECK(chi_square_uniform({25, 25, 25, 25}) == 0.0);
    CHECK(chi_square_uniform({30, 20, 25, 25}) == doctest::Approx(2.0));
  }

  const std::vector<SelectCase> as_go = {{"merge", "all", "all", true},
                                         {"timeout", "fires", "fired", true}};

  TEST_CASE("C36: a uniform choice confirms, a biased one contradicts") {
    // A fair machine: 10,000 selects over 4 cases, close to 2,500 each.
    FairnessView fair{{2510, 2480, 2533, 2477}, 0, 3, 0};
    fair.chi_square = chi_square_uniform(fair.counts);
    fair.p_value = chi_square_p_value(fair.chi_square, 3);
    CHECK(judge_c36(as_go, fair).verdict == Verdict::confirmed);
    // A runtime that polls its cases in order and mostly takes the first.
    FairnessView first{{4000, 2000, 2000, 2000}, 0, 3, 0};
    first.chi_square = chi_square_uniform(first.counts);
    first.p_value = chi_square_p_value(first.chi_square, 3);
    const auto biased = judge_c36(as_go, first);
    CHECK(biased.verdict == Verdict::contradicted);
    CHECK(biased.because.find("biased") != std::string::npos);
    // A fair chooser on an unlucky run: p between 1e-6 and 1e-3.
    FairnessView unlucky{{2700, 2450, 2425, 2425}, 0, 3, 0};
    unlucky.chi_square = chi_square_uniform(unlucky.counts);
    unlucky.p_value = chi_square_p_value(unlucky.chi_square, 3);
    REQUIRE(unlucky.p_value < kSuspectBelow);
    REQUIRE(unlucky.p_value > kBiasedBelow);
    CHECK(judge_c36(as_go, unlucky).verdict == Verdict::nuanced);
    // A runtime that seeds every program's choices identically.
    auto repeating = fair;
    repeating.same_in_two_programs = true;
    repeating.runs_compared = 1000;
    const auto same = judge_c36(as_go, repeating);
    CHECK(same.verdict == Verdict::nuanced);
    CHECK(same.because.find("seeds") != std::string::npos);
    // A runtime whose timeout never fired.
    auto broken = as_go;
    broken[1].as_go = false;
    const auto b = judge_c36(broken, fair);
    CHECK(b.verdict == Verdict::contradicted);
    CHECK(b.because.find("timeout") != std::string::npos);
    CHECK(judge_c36({}, fair).verdict == Verdict::not_judged);
  }
}
