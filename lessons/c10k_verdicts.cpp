// Verdicts of lesson `c10k`: pure functions of the run's numbers (see c10k.h).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lessons/c10k.h"
#include "report/units.h"

namespace conc::lessons::c10k {

using report::format_count;
using report::format_ns;
using report::format_percent;

report::ClaimVerdict judge_c18(const CreationOutcome& c) {
  report::ClaimVerdict v{"C18", report::Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "confirmed when thread creation failed here, or when the tightest limit leaves room for "
      "fewer than {} threads (C10K as thread-per-connection is then impossible without "
      "raising it); contradicted when the limits allow at least {} more threads; nuanced in "
      "between (the threads fit; their cost lies elsewhere)",
      format_count(kC10kConnections), format_count(kFarThreads));
  const std::string memory = fmt::format(
      "each thread reserved {} of address space for its fixed-size stack but only {} became "
      "resident",
      report::format_bytes(c.reserved_bytes_per_thread),
      report::format_bytes(c.resident_bytes_per_thread));
  if (c.created_at_largest < c.largest_requested) {
    v.verdict = report::Verdict::confirmed;
    v.because = fmt::format(
        "pthread_create failed ({}) after {} of {} threads; the tightest limit read before the "
        "run was {} with room for {} more; {}",
        c.error != 0 ? std::strerror(c.error) : "no error code", format_count(c.created_at_largest),
        format_count(c.largest_requested), c.tightest_limit, format_count(c.headroom), memory);
  } else if (c.headroom < kC10kConnections) {
    v.verdict = report::Verdict::confirmed;
    v.because = fmt::format(
        "all {} threads were created, but {} leaves room for only {} threads here: fewer than "
        "the {} of C10K; {}",
        format_count(c.created_at_largest), c.tightest_limit, format_count(c.headroom),
        format_count(kC10kConnections), memory);
  } else if (c.headroom < kFarThreads) {
    v.because = fmt::format(
        "all {} threads were created and the tightest limit ({}) leaves room for {} more: "
        "10,000 threads fit, but not far beyond. The fixed stack is not what stops them ({}); "
        "the limits count tasks and PIDs, and the cost that grows with N is scheduling (C19, "
        "C20)",
        format_count(c.created_at_largest), c.tightest_limit, format_count(c.headroom), memory);
  } else {
    v.verdict = report::Verdict::contradicted;
    v.because = fmt::format(
        "all {} threads were created and the tightest limit ({}) leaves room for {} more: "
        "threads scale far here; {}",
        format_count(c.created_at_largest), c.tightest_limit, format_count(c.headroom), memory);
  }
  return v;
}

report::ClaimVerdict judge_c19(const std::vector<SlicePoint>& points) {
  report::ClaimVerdict v{"C19", report::Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "for every N >= 2 measured: confirmed when each measured slice lies within {}x of "
      "10 ms ÷ N; contradicted when the slice changes by less than {}x from the smallest to "
      "the largest N while the model predicts at least {}x shorter (or a single N is off by "
      "more than {}x); nuanced otherwise",
      kModelTolerance, kFlatFactor, kModelShrinkMin, kModelTolerance);
  std::vector<SlicePoint> ps;
  std::copy_if(points.begin(), points.end(), std::back_inserter(ps),
               [](const SlicePoint& p) { return p.threads >= 2 && p.measured_ns > 0; });
  if (ps.empty()) {
    v.because = "no N >= 2 gave a measured slice, so the model could not be checked";
    return v;
  }
  std::sort(ps.begin(), ps.end(), [](auto& a, auto& b) { return a.threads < b.threads; });
  std::string seen;
  bool all_follow = true;
  for (const auto& p : ps) {
    const double model = 10e6 / p.threads;
    const double ratio = p.measured_ns / model;
    all_follow = all_follow && ratio <= kModelTolerance && ratio >= 1 / kModelTolerance;
    seen += fmt::format("{}N={}: {} (model {})", seen.empty() ? "" : ", ", p.threads,
                        format_ns(p.measured_ns), format_ns(model));
  }
  const auto& lo = ps.front();
  const auto& hi = ps.back();
  const double change =
      std::max(lo.measured_ns, hi.measured_ns) / std::min(lo.measured_ns, hi.measured_ns);
  const double model_shrink = static_cast<double>(hi.threads) / lo.threads;
  if (all_follow) {
    v.verdict = report::Verdict::confirmed;
    v.because = "the measured slice follows 10 ms ÷ N: " + seen;
  } else if ((model_shrink >= kModelShrinkMin && change < kFlatFactor) || ps.size() == 1) {
    v.verdict = report::Verdict::contradicted;
    v.because = fmt::format(
        "{}. From N={} to N={} the model shrinks the slice {}x, the kernel changed it {}x: "
        "it gives each task a slice of its own, which does not depend on N, and lets the "
        "round (N × slice) grow instead",
        seen, lo.threads, hi.threads, report::format_number(model_shrink),
        report::format_number(change));
  } else {
    v.because = fmt::format(
        "{}. The slice changes with N ({}x from N={} to N={}) but not as 10 ms ÷ N "
        "({}x)",
        seen, report::format_number(change), lo.threads, hi.threads,
        report::format_number(model_shrink));
  }
  return v;
}

namespace {
bool grew(double from, double to) {
  return to >= kLatencyGrowth * from && to - from >= kLatencyMinIncreaseNs;
}
std::string wait_text(const LoadPoint& p) {
  return p.wait_per_turn_ns > 0 ? format_ns(p.wait_per_turn_ns) : std::string("nothing");
}
}  // namespace

report::ClaimVerdict judge_c20(const LoadPoint& smallest, const LoadPoint& largest) {
  report::ClaimVerdict v{"C20", report::Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "two halves, from N={} to N={} of this run: (a) switching eats the CPU when useful work "
      "per CPU-second drops by at least {}; (b) responsiveness degrades when the 1 ms "
      "sleeper's p99 lateness, or the lateness of its first wake-up after arriving, grows at "
      "least {}x and by at least {}. Confirmed when both hold, contradicted when neither does, "
      "nuanced when one does or (b) could not be measured",
      smallest.threads, largest.threads, format_percent(kCpuEatenShare),
      report::format_number(kLatencyGrowth), format_ns(kLatencyMinIncreaseNs));
  const double kept = smallest.work_per_cpu_second > 0
                          ? largest.work_per_cpu_second / smallest.work_per_cpu_second
                          : 1;
  const bool eaten = 1 - kept >= kCpuEatenShare;
  const std::string half_a = fmt::format(
      "(a) {}: with {} threads the CPU switched {} times a second ({} per turn) and did {} of "
      "the useful work per CPU-second it did with {} ({} switches a second)",
      eaten ? "switching does eat the CPU" : "switching does not eat the CPU", largest.threads,
      report::format_number(largest.switches_per_second),
      largest.slice_ns > 0 ? format_ns(largest.slice_ns) : std::string("no switch"),
      format_percent(kept), smallest.threads, report::format_number(smallest.switches_per_second));
  if (!smallest.probed || !largest.probed) {
    v.because = half_a + ". (b) not measured: the probe did not wake twice in its window";
    return v;
  }
  const bool slower = grew(smallest.wake_p99_ns, largest.wake_p99_ns) ||
                      grew(smallest.first_wake_ns, largest.first_wake_ns);
  const std::string half_b = fmt::format(
      "(b) {}: a thread that sleeps 1 ms at a time woke {} late at p99 among {} busy threads "
      "against {} among {}, and its first wake-up after arriving took {} against {}; a busy "
      "thread waited {} per turn against {}",
      slower ? "responsiveness degrades" : "responsiveness holds", format_ns(largest.wake_p99_ns),
      largest.threads, format_ns(smallest.wake_p99_ns), smallest.threads,
      format_ns(largest.first_wake_ns), format_ns(smallest.first_wake_ns), wait_text(largest),
      wait_text(smallest));
  v.because = half_a + ". " + half_b;
  if (eaten && slower) {
    v.verdict = report::Verdict::confirmed;
  } else if (!eaten && !slower) {
    v.verdict = report::Verdict::contradicted;
  }
  return v;
}

}  // namespace conc::lessons::c10k
