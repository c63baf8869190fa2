// The one rule for C18 (see thread_limits.h).

#include "lessons/common/thread_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "report/units.h"

namespace conc::lessons::thread_limits {

namespace {

using report::format_count;

std::string kind_text(LimitKind kind) {
  return kind == LimitKind::count ? "a count of tasks, pids or mappings" : "memory";
}

std::string limit_text(const std::optional<Limit>& limit) {
  return limit ? fmt::format("{}, a {} limit, with room for {} more", limit->name,
                             limit->kind == LimitKind::count ? "count" : "memory",
                             format_count(limit->more_threads))
               : std::string("no limit known");
}

}  // namespace

report::ClaimVerdict judge_c18(const std::optional<Limit>& tightest, const Attempt& attempt) {
  report::ClaimVerdict v{"C18", report::Verdict::nuanced, "", ""};
  v.threshold = fmt::format(
      "H = more threads the tightest limit allows (a count: pid_max, threads-max, RLIMIT_NPROC, "
      "max_map_count, cgroup pids.max; or memory): confirmed when the limit bites within reach "
      "(a live attempt failed, or H < {}); contradicted when H >= {} or no limit is known; "
      "nuanced in between (they fit; their cost lies elsewhere)",
      format_count(kC10kThreads), format_count(kFarThreads));
  const std::string cost = attempt.cost.empty() ? "" : "; " + attempt.cost;
  if (attempt.error != 0 && attempt.created < attempt.requested) {
    v.verdict = report::Verdict::confirmed;
    v.because = fmt::format(
        "pthread_create failed ({}) after {} of {} threads: a limit bites within reach (the "
        "tightest limit known: {}){}",
        strerrorname_np(attempt.error), format_count(attempt.created),
        format_count(attempt.requested), limit_text(tightest), cost);
    return v;
  }
  const std::string made =
      fmt::format("all {} threads were created", format_count(attempt.created));
  if (!tightest || tightest->more_threads >= kFarThreads) {
    v.verdict = report::Verdict::contradicted;
    v.because = fmt::format("{}, and {}: threads scale far here{}", made,
                            tightest ? fmt::format("{} would allow {} more", tightest->name,
                                                   format_count(tightest->more_threads))
                                     : std::string("no limit on their number was found"),
                            cost);
  } else if (tightest->more_threads < kC10kThreads) {
    v.verdict = report::Verdict::confirmed;
    v.because = fmt::format(
        "{}, but {} ({}) leaves room for only {} more: fewer than the {} of "
        "C10K{}",
        made, tightest->name, kind_text(tightest->kind), format_count(tightest->more_threads),
        format_count(kC10kThreads), cost);
  } else {
    v.because = fmt::format(
        "{}, and the tightest limit, {}, allows {} more: {} fit, but not without end; what "
        "stops them here is {}{}",
        made, tightest->name, format_count(tightest->more_threads), format_count(kC10kThreads),
        tightest->kind == LimitKind::count ? kind_text(tightest->kind) + ", not memory"
                                           : kind_text(tightest->kind),
        cost);
  }
  return v;
}

std::vector<Limit> memory_limits(const MemoryFacts& m, double touched_per_thread,
                                 double reserved_per_thread) {
  std::vector<Limit> limits;
  if (m.available_bytes) {
    limits.push_back(
        {"memory (MemAvailable)",
         static_cast<long long>(*m.available_bytes /
                                (std::max(0.0, touched_per_thread) + kKernelStackBytes)),
         LimitKind::memory});
  }
  if (reserved_per_thread > 0) {
    const double space = m.rlimit_as_bytes.value_or(kUserAddressSpaceBytes);
    limits.push_back(
        {m.rlimit_as_bytes ? "address space (RLIMIT_AS)" : "address space",
         static_cast<long long>(std::max(0.0, space - m.vm_size_bytes) / reserved_per_thread),
         LimitKind::memory});
  }
  return limits;
}

std::optional<Limit> tightest(const std::vector<Limit>& limits) {
  const auto it = std::min_element(
      limits.begin(), limits.end(),
      [](const Limit& a, const Limit& b) { return a.more_threads < b.more_threads; });
  return it == limits.end() ? std::nullopt : std::optional<Limit>(*it);
}

}  // namespace conc::lessons::thread_limits
