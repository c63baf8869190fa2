// Lesson `c10k`'s rules: pure functions of the run's numbers (see c10k.h).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lessons/c10k/c10k.h"
#include "lessons/common/verdict_rule.h"
#include "report/units.h"

namespace conc::lessons::c10k {

using report::ClaimVerdict;
using report::format_count;
using report::format_ns;
using report::format_percent;
using report::Verdict;

CountsInRoom fit_counts(const std::vector<int>& counts, long long headroom) {
  CountsInRoom r;
  r.margin = std::min(kLimitMargin, std::max(0LL, headroom) / 2);
  const long long room = headroom - r.margin;
  for (int n : counts) {
    (n <= room ? r.kept : r.left_out).push_back(n);
  }
  if (r.kept.empty()) {
    r.stand_in =
        static_cast<int>(std::clamp<long long>(room, 1, counts.empty() ? 1 : counts.front()));
    r.kept.push_back(r.stand_in);
    // A stand-in that was asked for (1 of "1,2,10") is measured, not left out.
    r.left_out.erase(std::remove(r.left_out.begin(), r.left_out.end(), r.stand_in),
                     r.left_out.end());
  }
  return r;
}

namespace {

// Why the turn does not shrink with N, from the scheduler this kernel runs.
std::string flat_turn_cause(const SchedFacts& f) {
  const std::string tick =
      f.hz ? fmt::format("the next timer tick, {} at HZ={}", format_ns(1e9 / *f.hz), *f.hz)
           : std::string("the next timer tick");
  if (f.scheduler == "EEVDF") {
    return fmt::format(
        "EEVDF gives each task a requested slice of its own ({}), which does not depend on N; "
        "a busy task that overruns it is noticed only at {}; HRTICK, which would end it on "
        "time, is off by default. So each turn lasts about a tick and the round (N × turn) "
        "grows instead",
        f.slice_ns ? format_ns(*f.slice_ns) : std::string("se.slice"), tick);
  }
  if (f.scheduler == "CFS") {
    return fmt::format(
        "CFS divides its period by N only down to a minimum granularity (past 8 tasks the "
        "period stretches instead), and a busy task is preempted only at {}, so the turn "
        "stops shrinking and the round (N × turn) grows",
        tick);
  }
  return fmt::format(
      "the scheduler (not identified here) does not share a fixed period among N: a busy task "
      "is preempted at {} at the earliest, and the round (N × turn) grows instead",
      tick);
}

// "; at N=100 only 65 of the 100 threads had a turn, so its mean is left out".
std::string partial_text(const std::vector<SlicePoint>& partial) {
  std::string out;
  for (const auto& p : partial) {
    out += fmt::format("{}N={}: only {} of {} threads had a turn in the window",
                       out.empty() ? "" : "; ", p.threads, p.ran, p.threads);
  }
  return out.empty() ? out
                     : ". Left out (a mean over the threads that ran is not the mean turn): " + out;
}

}  // namespace

ClaimVerdict judge_c19(const std::vector<SlicePoint>& points, const SchedFacts& sched) {
  const Rule rule{
      "C19",
      fmt::format("for every N >= 2 at which every thread had a turn in the window, the mean "
                  "turn (Σ run ÷ Σ turns): confirmed when each lies within {}x of 10 ms ÷ N; "
                  "contradicted when the turn changes by less than {}x from the smallest to the "
                  "largest N while the model predicts at least {}x shorter (or a single N is off "
                  "by more than {}x); could not judge when no N is left; nuanced otherwise",
                  kModelTolerance, kFlatFactor, kModelShrinkMin, kModelTolerance)};
  std::vector<SlicePoint> ps, partial;
  for (const auto& p : points) {
    if (p.threads < 2 || p.measured_ns <= 0) {
      continue;
    }
    (p.ran >= 0 && p.ran < p.threads ? partial : ps).push_back(p);
  }
  const std::string left_out = partial_text(partial);
  if (ps.empty()) {
    return rule.not_judged(
        "no N >= 2 gave a mean turn over all its threads, so the model could not be checked" +
        left_out);
  }
  std::sort(ps.begin(), ps.end(), [](auto& a, auto& b) { return a.threads < b.threads; });
  std::string seen;
  bool all_follow = true;
  for (const auto& p : ps) {
    const double model = 10e6 / p.threads;
    all_follow = all_follow && within_factor(p.measured_ns / model, 1, kModelTolerance);
    seen += fmt::format("{}N={}: {} (model {})", seen.empty() ? "" : ", ", p.threads,
                        format_ns(p.measured_ns), format_ns(model));
  }
  if (all_follow) {
    return rule.confirmed("the mean turn on the CPU follows 10 ms ÷ N: " + seen + left_out);
  }
  const auto& lo = ps.front();
  const auto& hi = ps.back();
  const double change =
      std::max(lo.measured_ns, hi.measured_ns) / std::min(lo.measured_ns, hi.measured_ns);
  const double model_shrink = static_cast<double>(hi.threads) / lo.threads;
  if ((model_shrink >= kModelShrinkMin && change < kFlatFactor) || ps.size() == 1) {
    return rule.contradicted(fmt::format(
        "mean turn {}. From N={} to N={} the model shrinks the turn {}x, the kernel changed it "
        "{}x: {}{}",
        seen, lo.threads, hi.threads, report::format_number(model_shrink),
        report::format_number(change), flat_turn_cause(sched), left_out));
  }
  return rule.nuanced(fmt::format(
      "mean turn {}. The turn changes with N ({}x from N={} to N={}) but not as 10 ms ÷ N ({}x){}",
      seen, report::format_number(change), lo.threads, hi.threads,
      report::format_number(model_shrink), left_out));
}

namespace {
bool grew(double from, double to) {
  return to >= kLatencyGrowth * from && to - from >= kLatencyMinIncreaseNs;
}
std::string wait_text(const LoadPoint& p) {
  return p.wait_per_turn_ns > 0 ? format_ns(p.wait_per_turn_ns) : std::string("nothing");
}
}  // namespace

std::optional<std::size_t> c20_baseline(const std::vector<double>& cpu_shares) {
  for (std::size_t i = 0; i + 1 < cpu_shares.size(); ++i) {
    if (cpu_shares[i] >= kMinCpuShare) {
      return i;
    }
  }
  return std::nullopt;
}

namespace {
std::string half_a(bool eaten, double kept, const LoadPoint& base, const LoadPoint& big) {
  return fmt::format(
      "(a) {}: with {} threads the CPU switched {} times a second ({} per turn) and did {} of "
      "the useful work per CPU-second it did with {} ({} switches a second)",
      eaten ? "switching does eat the CPU" : "switching does not eat the CPU", big.threads,
      report::format_number(big.switches_per_second),
      big.slice_ns > 0 ? format_ns(big.slice_ns) : std::string("no switch"), format_percent(kept),
      base.threads, report::format_number(base.switches_per_second));
}

std::string half_a_io(bool eaten, const IoBoundPoint& io, double busy_kept, const LoadPoint& base,
                      const LoadPoint& big) {
  return fmt::format(
      "(a) {}: with {} I/O-bound threads (each request {} of work, then blocking) the CPU "
      "switched {} times a second and served {} requests a second; {} of its CPU time went to "
      "waking, switching and system calls rather than the work ({} of it in the kernel). Busy "
      "threads, whose turns last a tick, kept {} of their useful work per CPU-second from N={} "
      "to N={}",
      eaten ? "switching does eat the CPU" : "switching does not eat the CPU", io.threads,
      format_ns(io.work_ns), report::format_number(io.switches_per_s),
      report::format_number(io.requests_per_s), format_percent(io.switching_share),
      format_percent(io.kernel_share), format_percent(busy_kept), base.threads, big.threads);
}

std::string half_b(bool slower, const LoadPoint& base, const LoadPoint& big) {
  return fmt::format(
      "(b) {}: a thread that sleeps 1 ms at a time woke {} late at p99 among {} busy threads "
      "against {} among {}, and its first wake-up after arriving took {} against {}; a busy "
      "thread waited {} per turn against {}",
      slower ? "responsiveness degrades" : "responsiveness holds", format_ns(big.wake_p99_ns),
      big.threads, format_ns(base.wake_p99_ns), base.threads, format_ns(big.first_wake_ns),
      format_ns(base.first_wake_ns), wait_text(big), wait_text(base));
}

// Why a point cannot be taken at face value, or "".
std::string shared_cpu(const LoadPoint& p) {
  return p.cpu_share < kMinCpuShare
             ? fmt::format(
                   "at N={} the workers had only {} of their CPU (other programs ran on "
                   "it)",
                   p.threads, format_percent(p.cpu_share))
             : std::string();
}
}  // namespace

ClaimVerdict judge_c20(const LoadPoint& baseline, const LoadPoint& largest,
                       const std::optional<IoBoundPoint>& io_bound) {
  const Rule rule{
      "C20",
      fmt::format(
          "two halves, from the smallest N whose workers had at least {} of the CPU ({}) to the "
          "largest (N={}): (a) switching eats the CPU when, under the I/O-bound load with the "
          "most threads, at least {} of the CPU time is not the requests' work (without that "
          "load: when busy threads' useful work per CPU-second drops by at least {}); (b) "
          "responsiveness degrades when the 1 ms sleeper's p99 lateness, or the lateness of its "
          "first wake-up after arriving, grows at least {}x and by at least {}. Confirmed when "
          "both hold, contradicted when neither does; nuanced when one does, when (b) could not "
          "be measured, or when either N had less than {} of the CPU",
          format_percent(kMinCpuShare),
          baseline.cpu_share >= kMinCpuShare
              ? fmt::format("here N={}", baseline.threads)
              : fmt::format("here none had; N={} stands in", baseline.threads),
          largest.threads, format_percent(kC20SwitchingShare), format_percent(kCpuEatenShare),
          report::format_number(kLatencyGrowth), format_ns(kLatencyMinIncreaseNs),
          format_percent(kMinCpuShare))};
  const double kept = baseline.work_per_cpu_second > 0
                          ? largest.work_per_cpu_second / baseline.work_per_cpu_second
                          : 1;
  const bool eaten =
      io_bound ? io_bound->switching_share >= kC20SwitchingShare : 1 - kept >= kCpuEatenShare;
  std::string because = io_bound ? half_a_io(eaten, *io_bound, kept, baseline, largest)
                                 : half_a(eaten, kept, baseline, largest);
  const std::string missing =
      !baseline.probe_missing.empty() ? baseline.probe_missing : largest.probe_missing;
  const bool slower = missing.empty() && (grew(baseline.wake_p99_ns, largest.wake_p99_ns) ||
                                          grew(baseline.first_wake_ns, largest.first_wake_ns));
  because +=
      missing.empty() ? ". " + half_b(slower, baseline, largest) : ". (b) not measured: " + missing;
  std::string caveat = shared_cpu(baseline);
  if (const auto big = shared_cpu(largest); !big.empty()) {
    caveat += (caveat.empty() ? "" : ", and ") + big;
  }
  if (!caveat.empty()) {
    return rule.nuanced(because + ". Not taken at face value: " + caveat);
  }
  return rule.decide(missing.empty() ? classify_both(eaten, slower) : Verdict::nuanced,
                     std::move(because));
}

}  // namespace conc::lessons::c10k
