// Lesson `thread`: the verdict rules (numbers in, verdict out) and the arithmetic on run
// intervals behind the C13 timeline. Pure: no clock, no /proc.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "lessons/common/verdict_rule.h"
#include "lessons/thread/thread.h"
#include "report/units.h"

namespace conc::lessons::thread {

using report::ClaimVerdict;
using report::Verdict;

ClaimVerdict judge_c08(const std::vector<ThreadAccount>& accounts) {
  const Rule rule{
      "C08",
      fmt::format("confirmed when each thread's CPU time in its own "
                  "/proc/self/task/<tid>/schedstat follows its duty (a busier thread got "
                  "more) and the idle one stayed under {} of the busiest; contradicted when "
                  "all threads show the same time (max/min < {}); nuanced otherwise",
                  report::format_percent(kIdleMaxShare), report::format_ratio(kSameTimeRatio))};
  if (accounts.size() < 2) {
    return rule.nuanced("fewer than two threads were accounted");
  }
  auto by_duty = accounts;
  std::sort(by_duty.begin(), by_duty.end(),
            [](const auto& a, const auto& b) { return a.duty > b.duty; });
  bool ordered = true;
  for (std::size_t i = 1; i < by_duty.size(); ++i) {
    ordered = ordered && by_duty[i].run_ns < by_duty[i - 1].run_ns;
  }
  const auto [lo, hi] =
      std::minmax_element(accounts.begin(), accounts.end(),
                          [](const auto& a, const auto& b) { return a.run_ns < b.run_ns; });
  const double busiest = static_cast<double>(hi->run_ns);
  const double idlest = static_cast<double>(by_duty.back().run_ns);
  std::string listing;
  for (const auto& a : by_duty) {
    listing += fmt::format(
        "{}{} {} ({} voluntary, {} involuntary switches)", listing.empty() ? "" : ", ", a.role,
        report::format_ns(static_cast<double>(a.run_ns)), a.voluntary, a.involuntary);
  }
  if (lo->run_ns > 0 && busiest / static_cast<double>(lo->run_ns) < kSameTimeRatio) {
    return rule.contradicted(fmt::format(
        "the threads did different work but show about the same CPU time: {}", listing));
  }
  if (ordered && busiest > 0 && idlest / busiest < kIdleMaxShare) {
    return rule.confirmed(fmt::format(
        "the kernel keeps a separate account per tid and it follows what each thread did: {}. "
        "The process's CPU time is the sum of these",
        listing));
  }
  return rule.nuanced(fmt::format(
      "per-tid accounts exist but do not follow the duties cleanly (a busy machine?): {}",
      listing));
}

ClaimVerdict judge_c09(const std::vector<StackView>& stacks, std::uint64_t default_stack_bytes) {
  const Rule rule{"C09",
                  "confirmed when each thread's local lies in a stack mapping of its own with an "
                  "inaccessible guard mapping right below it; nuanced when the mappings are "
                  "distinct but a guard is missing; contradicted when two threads' locals share a "
                  "mapping or one lies outside every mapping"};
  std::set<std::uint64_t> starts;
  bool all_found = true, all_guarded = true;
  for (const auto& s : stacks) {
    all_found = all_found && s.map_end > s.map_start;
    all_guarded = all_guarded && s.guard_bytes > 0;
    starts.insert(s.map_start);
  }
  if (stacks.empty() || !all_found || starts.size() != stacks.size()) {
    return rule.contradicted(fmt::format("{} threads, {} distinct stack mappings{}", stacks.size(),
                                         starts.size(),
                                         all_found ? "" : ", a local outside every mapping"));
  }
  std::uint64_t smallest_gap = 0;
  auto sorted = stacks;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.local > b.local; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const auto gap = sorted[i - 1].local - sorted[i].local;
    smallest_gap = i == 1 ? gap : std::min(smallest_gap, gap);
  }
  const std::string gap_text =
      stacks.size() > 1
          ? fmt::format(
                "neighbouring threads' locals are at least {} bytes apart, for a stack "
                "size of {} bytes",
                report::format_count(static_cast<std::int64_t>(smallest_gap)),
                report::format_count(static_cast<std::int64_t>(default_stack_bytes)))
          : std::string("only one thread was looked at");
  if (!all_guarded) {
    return rule.nuanced(fmt::format(
        "each of the {} threads has its own stack mapping ({}), but not every one has a guard "
        "page right below it",
        stacks.size(), gap_text));
  }
  return rule.confirmed(fmt::format(
      "each of the {} threads' locals lies in a stack mapping of its own with a guard page below "
      "it; {}",
      stacks.size(), gap_text));
}

ClaimVerdict judge_c10(const SharingView& s) {
  const Rule rule{"C10",
                  "confirmed when a reader thread sees the writer thread's value at the same "
                  "address and a forked child's write at that address stays invisible to the "
                  "parent; contradicted otherwise"};
  const bool threads_share = s.writer_address == s.reader_address && s.reader_saw == s.written;
  const bool child_apart = s.child_address == s.writer_address &&
                           s.parent_saw_after_child != s.child_wrote &&
                           s.parent_saw_after_child == s.written;
  if (threads_share && child_apart) {
    return rule.confirmed(fmt::format(
        "a thread wrote {} at {:#x} and another thread read {} there; a forked child wrote {} "
        "at the very same address and the parent still reads {}: threads share one address "
        "space, processes do not",
        s.written, s.writer_address, s.reader_saw, s.child_wrote, s.parent_saw_after_child));
  }
  return rule.contradicted(fmt::format(
      "writer at {:#x} stored {}, reader at {:#x} saw {}; child at {:#x} stored {}, parent then "
      "saw {}",
      s.writer_address, s.written, s.reader_address, s.reader_saw, s.child_address, s.child_wrote,
      s.parent_saw_after_child));
}

ClaimVerdict judge_c11(const ProgressView& p) {
  const Rule rule{
      "C11", fmt::format("confirmed when every worker progressed in at least {} of the sampling "
                         "intervals while the blocked thread made no progress, and the blocked "
                         "one resumed after release; contradicted when a worker made no progress "
                         "at all; nuanced otherwise",
                         report::format_percent(kMinActiveFraction))};
  const double least =
      p.worker_active_fraction.empty()
          ? 0
          : *std::min_element(p.worker_active_fraction.begin(), p.worker_active_fraction.end());
  const bool blocked_stood = p.blocked_progress_while_blocked == 0;
  const bool resumed = p.blocked_progress_after_release > 0;
  std::string facts = fmt::format(
      "the least active of {} workers progressed in {} of the intervals while the blocked "
      "thread counted {} steps, then {} steps once released",
      p.worker_active_fraction.size(), report::format_percent(least),
      report::format_count(p.blocked_progress_while_blocked),
      report::format_count(p.blocked_progress_after_release));
  const Verdict verdict = least <= 0 ? Verdict::contradicted
                          : least >= kMinActiveFraction && blocked_stood && resumed
                              ? Verdict::confirmed
                              : Verdict::nuanced;
  return rule.decide(verdict, std::move(facts),
                     {.confirmed = ": a blocked thread holds up only itself",
                      .nuanced = " (gaps come from other work on this machine, not from the "
                                 "blocked thread)"});
}

ClaimVerdict judge_c12(const ShareView& s) {
  const double n = s.busy_threads;
  auto per_thread = [&](double r) { return std::fabs(r - n) <= kPerThreadTolerance * n; };
  auto even = [](double r) { return within_factor(r, 1, kEvenBand); };
  const Rule rule{
      "C12",
      fmt::format("per thread = the {}-thread process gets {}:1 within ±{}; even = within {}–{}:1. "
                  "Same session: per thread -> the scheduler decides per thread, even -> "
                  "contradicted. After setsid(): still per thread -> confirmed; even with "
                  "autogroup on -> nuanced (autogroup shares CPU per session first)",
                  s.busy_threads, s.busy_threads, report::format_percent(kPerThreadTolerance),
                  report::format_number(1 / kEvenBand), report::format_number(kEvenBand))};
  const std::string ag = !s.autogroup   ? "autogroup state unknown"
                         : *s.autogroup ? "autogroup is on"
                                        : "autogroup is off";
  const std::string same = fmt::format("in one session the {}-thread process got {}:1",
                                       s.busy_threads, report::format_number(s.ratio_same_group));
  const std::string after =
      fmt::format("after setsid() it got {}:1", report::format_number(s.ratio_after_setsid));
  if (even(s.ratio_same_group)) {
    return rule.contradicted(
        fmt::format("{} ({}): CPU was shared per process, not per thread", same, ag));
  }
  if (!per_thread(s.ratio_same_group)) {
    return rule.nuanced(
        fmt::format("{}, neither {}:1 nor even; {} ({})", same, s.busy_threads, after, ag));
  }
  if (per_thread(s.ratio_after_setsid)) {
    return rule.confirmed(fmt::format(
        "{} and {}: each runnable thread is one scheduling entity. {}{}", same, after, ag,
        s.autogroup.value_or(false)
            ? " but the session change did not regroup them (a cpu cgroup other than the root "
              "one, where autogroup does not apply?)"
            : ", so a new session changes nothing"));
  }
  if (even(s.ratio_after_setsid) && s.autogroup.value_or(false)) {
    return rule.nuanced(fmt::format(
        "{}: the scheduler picks threads. But {}: {}{}, and the kernel first splits the CPU "
        "evenly between autogroups (one per session) and only then between the threads in "
        "each. Per thread inside a session, per session across them",
        same, after, ag,
        s.groups_split ? " and setsid() put the single thread in an autogroup of its own" : ""));
  }
  return rule.nuanced(fmt::format("{}; {}, neither per thread nor even ({})", same, after, ag));
}

int share_window_ms(int asked_ms, int hz) {
  const int tick_hz = hz > 0 ? hz : kAssumedHz;
  const int least = (kMinTicksPerWindow * 1000 + tick_hz - 1) / tick_hz;
  return std::max(asked_ms, least);
}

std::int64_t run_ns_within(const std::vector<RunInterval>& runs, std::int64_t from,
                           std::int64_t to) {
  std::int64_t total = 0;
  for (const auto& r : runs) {
    total += std::max<std::int64_t>(0, std::min(r.end_ns, to) - std::max(r.start_ns, from));
  }
  return total;
}

std::int64_t parallel_ns(const RunHistory& threads, std::int64_t from, std::int64_t to) {
  // Sweep over start (+1) and end (-1) events; time with two or more running counts.
  std::vector<std::pair<std::int64_t, int>> events;
  for (const auto& runs : threads) {
    for (const auto& r : runs) {
      const auto s = std::max(r.start_ns, from);
      const auto e = std::min(r.end_ns, to);
      if (e > s) {
        events.emplace_back(s, +1);
        events.emplace_back(e, -1);
      }
    }
  }
  std::sort(events.begin(), events.end());
  std::int64_t total = 0, last = from;
  int running = 0;
  for (const auto& [t, delta] : events) {
    if (running >= 2) {
      total += t - last;
    }
    running += delta;
    last = t;
  }
  return total;
}

std::vector<std::string> cpu_timeline(const RunHistory& threads, std::int64_t from, std::int64_t to,
                                      int columns) {
  std::vector<std::string> rows;
  const double width = columns > 0 ? static_cast<double>(to - from) / columns : 0;
  for (const auto& runs : threads) {
    std::string row;
    for (int c = 0; c < columns; ++c) {
      const auto b0 = from + static_cast<std::int64_t>(width * c);
      const auto b1 = from + static_cast<std::int64_t>(width * (c + 1));
      // The CPU this thread spent most of the column on.
      std::vector<std::int64_t> per_cpu;
      for (const auto& r : runs) {
        const auto ran = std::min(r.end_ns, b1) - std::max(r.start_ns, b0);
        if (ran > 0 && r.cpu >= 0) {
          per_cpu.resize(std::max<std::size_t>(per_cpu.size(), r.cpu + 1), 0);
          per_cpu[r.cpu] += ran;
        }
      }
      std::int64_t ran = 0;
      int best = -1;
      for (std::size_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
        ran += per_cpu[cpu];
        if (best < 0 || per_cpu[cpu] > per_cpu[best]) {
          best = static_cast<int>(cpu);
        }
      }
      const bool most = ran * 2 >= b1 - b0 && best >= 0;
      row += most ? (best < 10 ? std::string(1, static_cast<char>('0' + best))
                               : std::string(1, static_cast<char>('a' + best - 10)))
                  : std::string("·");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

ClaimVerdict judge_c13(const ParallelView& p) {
  const Rule rule{
      "C13", fmt::format(
                 "concurrent = pinned to one CPU, every thread ran at least {} of its fair share "
                 "and at most {} of the time had two running at once; parallel = free, at least "
                 "{} of the time had two running at once. Both: confirmed; one: nuanced; none: "
                 "contradicted. A CPU counts as taken by other programs above {} of it",
                 report::format_percent(kMinFairShare), report::format_percent(kMaxPinnedOverlap),
                 report::format_percent(kMinFreeOverlap), report::format_percent(kOtherBusyShare))};
  const bool concurrent =
      p.pinned_min_run_fraction >= kMinFairShare && p.pinned_parallel_fraction <= kMaxPinnedOverlap;
  const bool parallel = p.free_parallel_fraction >= kMinFreeOverlap;
  const Verdict verdict = classify_both(concurrent, parallel);
  std::string facts = fmt::format(
      "{} threads on one CPU: the least served got {} of its fair share and two ran at once "
      "{} of the time; free on {} CPUs: two ran at once {} of the time",
      p.threads, report::format_percent(p.pinned_min_run_fraction),
      report::format_percent(p.pinned_parallel_fraction), p.cpus,
      report::format_percent(p.free_parallel_fraction));
  if (verdict != Verdict::nuanced) {
    return rule.decide(verdict, std::move(facts),
                       {.confirmed = ": taking turns on one CPU (concurrency), side by side on "
                                     "several (parallelism), same code"});
  }
  if (p.cpus < 2) {
    return rule.nuanced(facts + ": with one CPU allowed there is no parallelism to show");
  }
  if (!parallel && p.busiest_other_share >= kOtherBusyShare) {
    return rule.nuanced(
        facts + fmt::format(": other programs kept CPU {} {} busy, so there was no "
                            "second CPU free to run side by side on (try it on a quiet "
                            "machine)",
                            p.busiest_other_cpu, report::format_percent(p.busiest_other_share)));
  }
  if (!parallel) {
    return rule.nuanced(facts +
                        ": no CPU was busy with other programs, yet the threads kept sharing "
                        "one: the kernel did not spread them within the phase (its load "
                        "balancer moves running threads slowly)");
  }
  return rule.nuanced(facts + ": the pinned threads did not take clean turns");
}

}  // namespace conc::lessons::thread
