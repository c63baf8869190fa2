// The two windows of every N side by side: the busy threads' turns alone, and with the 1 ms
// sleeper on the same CPU; and the sleeper's lateness split into its run-queue wait (schedstat
// run_delay) and the rest. The explanation is computed from the rows.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lessons/c10k/parts.h"
#include "report/units.h"

namespace conc::lessons::c10k {

namespace {

using report::format_ns;

// Turns this much shorter with the sleeper count as "cut short" in the explanation.
constexpr double kCutShortFactor = 0.8;
// The lateness is "mostly" run-queue wait from this share on.
constexpr double kMostlyShare = 0.5;

std::string optional_ns(const std::optional<double>& v) {
  return v ? format_ns(*v) : std::string("—");
}

std::string explain(const std::vector<Row>& rows) {
  std::vector<std::string> cut, kept;
  double most_wait_share = -1;
  const Row* most = nullptr;
  for (const auto& r : rows) {
    const auto busy = r.mean_turn_ns();
    if (busy && r.turn_with_sleeper_ns) {
      const std::string item = fmt::format("N={}: {} → {}", r.created, format_ns(*busy),
                                           format_ns(*r.turn_with_sleeper_ns));
      (*r.turn_with_sleeper_ns <= kCutShortFactor * *busy ? cut : kept).push_back(item);
    }
    if (r.probe_run_delay_ns && r.probe_mean_late_ns > 0) {
      const double share = std::min(*r.probe_run_delay_ns / r.probe_mean_late_ns, 1.0);
      if (share > most_wait_share) {
        most_wait_share = share;
        most = &r;
      }
    }
  }
  std::string text;
  if (!cut.empty()) {
    text += fmt::format(
        "With the sleeper beside them the busy threads' turns were cut short ({}): each time "
        "the sleeper wakes (about 1,000 times a second) and its lag allows it, it preempts the "
        "running thread, whose turn ends there instead of at the next tick. ",
        fmt::join(cut, "; "));
  }
  if (!kept.empty()) {
    text += fmt::format(
        "Where the turns stayed about as long ({}), the sleeper's wake-ups did not end them: "
        "it waited its turn in the queue instead (its lag did not allow preempting), or the "
        "turns were already shorter than the gap between its wake-ups. ",
        fmt::join(kept, "; "));
  }
  if (most != nullptr) {
    text += fmt::format(
        "The sleeper's lateness is {} waiting: at N={} it woke {} late on average, of which "
        "{} ({}) was run-queue wait (runnable, with a busy thread on the CPU); the rest is the "
        "timer and the wake-up path. Responsiveness is waiting (C20).",
        most_wait_share >= kMostlyShare ? "mostly" : "not mostly", most->created,
        format_ns(most->probe_mean_late_ns), format_ns(*most->probe_run_delay_ns),
        report::format_percent(most_wait_share));
  }
  return text;
}

}  // namespace

void report_windows(LessonContext& ctx, const std::vector<Row>& rows, int cpu) {
  report::Table t{"windows",
                  fmt::format("Two windows on CPU {}: busy threads alone, then with a 1 ms "
                              "sleeper",
                              cpu),
                  {"N", "turn alone", "with sleeper", "sleeper late", "run-queue wait", "rest"},
                  {},
                  ""};
  for (const auto& r : rows) {
    std::optional<double> rest;
    if (r.probe_run_delay_ns && r.probe_mean_late_ns > 0) {
      rest = std::max(r.probe_mean_late_ns - *r.probe_run_delay_ns, 0.0);
    }
    t.rows.push_back({fmt::format("{}", r.created), optional_ns(r.mean_turn_ns()),
                      optional_ns(r.turn_with_sleeper_ns),
                      r.probe_mean_late_ns > 0 ? format_ns(r.probe_mean_late_ns) : std::string("—"),
                      optional_ns(r.probe_run_delay_ns), optional_ns(rest)});
  }
  t.note =
      "turn: the busy threads' CPU time ÷ the times they were scheduled in (schedstat), over "
      "each window. Sleeper late: its mean lateness per wake-up (first wake-up included); "
      "run-queue wait: the growth of its schedstat run_delay over that span ÷ its wake-ups; "
      "rest = late − wait (timer, interrupt and wake-up path). " +
      explain(rows);
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::c10k
