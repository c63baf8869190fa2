// Lesson `select`: is the choice fair? Four buffered channels each hold one value before
// every select (the chosen one is refilled at once), so all four cases are always ready and
// only select's random choice decides. Go promises a uniform choice; a chi-square test says
// how surprising this run's histogram would be if it were. Then two fresh programs are
// compared: does the choice differ between runs, as Go's (seeded anew per process) does?

#include <fmt/format.h>

#include <array>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/select/select.h"
#include "os/sys/interrupt.h"
#include "report/units.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/select.h"

namespace conc::lessons::select {

namespace {

constexpr int kCases = 4;
constexpr int kChunk = 1000;            // selects between two looks at Ctrl-C
constexpr int kComparedSelects = 1000;  // choices compared between two programs
// The bias the wording weighs: one case chosen 15% more often than the others' share.
constexpr double kExampleBias = 0.15;

// The case each of `selects` selects chose, in one program: the choices of one run of the
// runtime's generator (a fresh program may start from the same seed: see repeats_across_runs).
std::vector<int> choices(int selects) {
  std::vector<int> chosen;
  chosen.reserve(static_cast<std::size_t>(selects));
  rt::run(
      [&chosen, selects] {
        std::array<rt::Chan<int>, kCases> ready;
        for (auto& c : ready) {
          c = rt::Chan<int>(1);
          c.send(1);
        }
        for (int i = 0; i < selects; ++i) {
          if (i % kChunk == 0 && os::interrupted()) {
            return;  // the lesson throws once run() is back
          }
          std::array<std::optional<int>, kCases> v;
          const int k = rt::select(rt::recv_case(ready[0], v[0]), rt::recv_case(ready[1], v[1]),
                                   rt::recv_case(ready[2], v[2]), rt::recv_case(ready[3], v[3]));
          chosen.push_back(k);
          ready[static_cast<std::size_t>(k)].send(1);  // ready again before the next select
        }
      },
      rt::Config{.workers = 1});
  LessonContext::check_interrupted();
  return chosen;
}

}  // namespace

FairnessView fairness_experiment(LessonContext& ctx, int selects) {
  FairnessView f;
  f.counts.assign(kCases, 0);
  for (const int k : choices(selects)) {
    ++f.counts[static_cast<std::size_t>(k)];
  }
  // Go seeds its generator afresh in every process; two programs then choose differently.
  f.runs_compared = kComparedSelects;
  f.same_in_two_programs = choices(kComparedSelects) == choices(kComparedSelects);
  f.dof = kCases - 1;
  f.chi_square = chi_square_uniform(f.counts);
  f.p_value = chi_square_p_value(f.chi_square, f.dof);
  const double expected = static_cast<double>(selects) / kCases;
  report::BarChart chart{"select_fairness",
                         fmt::format("Which case {} selects chose, all {} always ready",
                                     report::format_count(selects), kCases),
                         "times chosen",
                         false,
                         {}};
  for (int k = 0; k < kCases; ++k) {
    const double n = static_cast<double>(f.counts[static_cast<std::size_t>(k)]);
    chart.bars.push_back(
        {fmt::format("case {}", k), n,
         fmt::format("{} ({:+.1f}% vs {})", report::format_count(static_cast<std::int64_t>(n)),
                     100.0 * (n - expected) / expected, report::format_number(expected))});
  }
  ctx.report().add(std::move(chart));
  ctx.explain(
      "The chi-square test, step by step",
      fmt::format(
          "If every choice is uniform, each case expects E = {} of the {} selects. Pearson's "
          "statistic adds up (observed - E)^2 / E over the {} cases: here chi-square = {:.2f}, "
          "with {} degrees of freedom (cases - 1). The p-value is the chance that a truly "
          "uniform chooser gives a statistic at least this large: p = {:.4f} (the upper tail "
          "of the chi-square distribution, computed here as the regularized incomplete gamma "
          "function Q({}/2, chi-square/2)).\n\nA p-value is not a pass mark. Even a perfect "
          "chooser lands below 0.01 in 1 run of 100, and below {} in 1 run of 1,000, by chance "
          "alone: a test that failed at p < 0.01 would fail a fair select once in a hundred "
          "runs. So this lesson calls p < {} suspicious (run it again: chance rarely repeats) "
          "and only p < {} biased (chi-square above {:.1f} here), which a fair chooser reaches "
          "once in a million runs. A select that favoured one case by {:.0f}% would push the "
          "statistic to about {:.0f} on average over {} selects (degrees of freedom + "
          "selects x bias^2 / (cases - 1)): far past that line. A much smaller bias needs more "
          "selects "
          "to be seen (--selects).",
          report::format_number(expected), report::format_count(selects), kCases, f.chi_square,
          f.dof, f.p_value, f.dof, kSuspectBelow, kSuspectBelow, kBiasedBelow,
          chi_square_critical(kBiasedBelow, f.dof), kExampleBias * 100,
          f.dof + selects * kExampleBias * kExampleBias / f.dof, report::format_count(selects)));
  ctx.explain("Random within a program, and between programs?",
              fmt::format("Two fresh programs of {} selects each, every case always ready, made "
                          "{} choices. Go seeds select's random generator anew in every process, "
                          "so two runs of a Go program choose differently.{}",
                          f.runs_compared, f.same_in_two_programs ? "the very same" : "different",
                          f.same_in_two_programs
                              ? " conc::rt starts every program's generator from the same seed: "
                                "the choice is uniform within a run but repeats exactly from one "
                                "run to the next, so a bug that depends on it repeats too."
                              : ""));
  return f;
}

}  // namespace conc::lessons::select
