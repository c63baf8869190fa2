// Lesson `goroutines`: the verdict rules (numbers in, verdict out) and the schedtrace line.
// Pure: no clock, no /proc.

#include <fmt/format.h>

#include "lessons/common/verdict_rule.h"
#include "lessons/goroutines/goroutines.h"
#include "report/units.h"

namespace conc::lessons::goroutines {

using report::ClaimVerdict;
using report::format_bytes;
using report::format_count;
using report::format_ns;
using report::format_number;
using report::format_ratio;
using report::Verdict;

ClaimVerdict judge_c31(const HerdView& v) {
  const Rule rule{
      "C31", fmt::format("contradicted when spawning was refused before {} goroutines "
                         "or a parked goroutine was not cheaper than a thread; "
                         "confirmed when at least {} were parked and a thread's "
                         "resident cost is at least {} a goroutine's; nuanced "
                         "otherwise",
                         format_count(kHundredsOfThousands), format_count(kHundredsOfThousands),
                         format_ratio(kThreadToGoroutineMemory))};
  if (v.parked <= 0 || v.threads_created <= 0 || v.rss_per_goroutine <= 0) {
    return rule.not_judged("nothing was parked, or no thread could be created to compare");
  }
  const double ratio = v.rss_per_thread / v.rss_per_goroutine;
  const std::string facts = fmt::format(
      "{} goroutines parked at {} each ({} per spawn); {} threads at {} each ({} per create): "
      "a thread costs {} a goroutine's memory",
      format_count(v.parked), format_bytes(v.rss_per_goroutine), format_ns(v.ns_per_spawn),
      format_count(v.threads_created), format_bytes(v.rss_per_thread), format_ns(v.ns_per_thread),
      format_ratio(ratio));
  if ((!v.refused.empty() && v.parked < kHundredsOfThousands) || ratio < 1) {
    std::string because = facts;
    if (!v.refused.empty()) {
      because += "; spawning stopped: ";
      because += v.refused;
    }
    return rule.contradicted(because);
  }
  if (v.parked >= kHundredsOfThousands && ratio >= kThreadToGoroutineMemory) {
    return rule.confirmed(facts +
                          ": a goroutine is a small stack the runtime reserves in bulk and a "
                          "few words of bookkeeping, not a kernel task with its own stack");
  }
  return rule.nuanced(facts +
                      (v.parked < kHundredsOfThousands
                           ? fmt::format(" (only {} were asked for)", format_count(v.parked))
                           : std::string()));
}

ClaimVerdict judge_c28(const HerdView& v) {
  const Rule rule{"C28", fmt::format("contradicted when the kernel's task count grew by half the "
                                     "goroutines or more; confirmed when it grew by at most W "
                                     "(workers) + {}; nuanced in between",
                                     kHelperThreads)};
  if (v.parked <= 0) {
    return rule.not_judged("no goroutine was parked");
  }
  const long long added = v.threads_while_parked - v.threads_before;
  const std::string facts = fmt::format(
      "with {} goroutines alive, /proc/self/task listed {} threads, {} more than "
      "before; the runtime ran {} workers",
      format_count(v.parked), v.threads_while_parked, added, v.workers);
  if (added * 2 >= v.parked) {
    return rule.contradicted(facts);
  }
  if (added <= v.workers + kHelperThreads) {
    return rule.confirmed(facts +
                          ": goroutines are scheduled in user space by the runtime, and the "
                          "kernel only ever sees the worker threads that run them");
  }
  return rule.nuanced(facts);
}

ClaimVerdict judge_c29(const StackView& v) {
  const Rule rule{"C29",
                  fmt::format("contradicted when even the cheapest mode costs over {} per parked "
                              "goroutine or the stack did not grow with depth; confirmed when "
                              "the default mode costs at most {}; nuanced otherwise",
                              format_bytes(kFarFromGoBytes), format_bytes(kNearGoBytes))};
  if (v.default_bytes <= 0) {
    return rule.not_judged("no parked goroutine was measured");
  }
  const double cheapest =
      v.compact_bytes > 0 ? std::min(v.default_bytes, v.compact_bytes) : v.default_bytes;
  const std::string facts = fmt::format(
      "a parked goroutine costs {} by default ({} reserved, pages committed when touched), {} "
      "compact (woken in {} instead of {}), against Go's {}; the stack {} with depth",
      format_bytes(v.default_bytes), format_bytes(v.reserved_bytes),
      v.compact_bytes > 0 ? format_bytes(v.compact_bytes) : std::string("not measured"),
      format_ns(v.wake_compact_ns), format_ns(v.wake_default_ns), format_bytes(v.go_bytes),
      v.grows_with_depth ? "grew page by page" : "did not grow");
  if (cheapest > kFarFromGoBytes || !v.grows_with_depth) {
    return rule.contradicted(facts);
  }
  if (v.default_bytes <= kNearGoBytes) {
    return rule.confirmed(facts);
  }
  return rule.nuanced(facts +
                      ": C++ cannot move a stack, so it starts as a whole page and grows by "
                      "the kernel committing pages, not by copying; only the opt-in compact "
                      "mode comes near 2 KiB, and pays for it at every wake-up");
}

ClaimVerdict judge_c30(const CallCheckView& v) {
  const Rule rule{
      "C30",
      fmt::format("the hand-written bound check's extra instructions per call: "
                  "confirmed up to {}, contradicted above {}, nuanced in between or "
                  "when instructions could not be counted",
                  format_number(kClaimedInstructions + 1), format_number(kTooManyInstructions))};
  const double extra_ns = v.ns_checked - v.ns_plain;
  if (!v.instr_plain || !v.instr_checked) {
    return rule.nuanced(fmt::format(
        "the check added {} per call ({} vs {}); instructions were "
        "not counted: {}",
        format_ns(extra_ns), format_ns(v.ns_checked), format_ns(v.ns_plain), v.counters_note));
  }
  const double extra = *v.instr_checked - *v.instr_plain;
  const std::string facts =
      fmt::format("the check added {} instructions and {} per call ({} vs {} instructions)",
                  format_number(extra), format_ns(extra_ns), format_number(*v.instr_checked),
                  format_number(*v.instr_plain));
  if (extra < kCheckVanished) {
    return rule.not_judged(facts + ": the compiler removed the check");
  }
  const auto verdict = classify_at_most(extra, kTooManyInstructions, kClaimedInstructions + 1);
  if (verdict == Verdict::confirmed) {
    return rule.confirmed(facts +
                          ": load the stack limit, compare it with the stack pointer, branch; "
                          "the branch is always predicted, so it costs little time");
  }
  return rule.decide(verdict, facts);
}

ClaimVerdict judge_c34(const SwitchView& v) {
  const Rule rule{"C34", fmt::format("contradicted when the runtime saves as many bytes as XSAVE "
                                     "or its switch is not faster than a thread switch; "
                                     "confirmed when it saves {} fewer bytes and is faster; not "
                                     "judged without an XSAVE size",
                                     format_ratio(kSavesFewerBy))};
  if (!v.xsave_bytes || v.thread_switch_ns <= 0 || v.goroutine_switch_ns <= 0) {
    return rule.not_judged("no XSAVE size (not x86) or a switch was not measured");
  }
  const std::string facts = fmt::format(
      "the runtime's switch saves {} bytes, the kernel's XSAVE area is {} bytes; a goroutine "
      "switch took {}, a thread switch {}",
      format_number(v.runtime_bytes), format_number(*v.xsave_bytes),
      format_ns(v.goroutine_switch_ns), format_ns(v.thread_switch_ns));
  if (v.runtime_bytes >= *v.xsave_bytes || v.goroutine_switch_ns >= v.thread_switch_ns) {
    return rule.contradicted(facts);
  }
  if (v.runtime_bytes * kSavesFewerBy <= *v.xsave_bytes) {
    return rule.confirmed(facts +
                          ": a switch inside a function call need only keep the registers the "
                          "calling convention says survive a call; the kernel must keep "
                          "everything, vector registers included, and enter and leave itself");
  }
  return rule.nuanced(facts);
}

ClaimVerdict judge_c35(const MnView& v) {
  const Rule rule{"C35",
                  "contradicted when the kernel saw a thread per goroutine; confirmed "
                  "when N goroutines ran on W < N workers and more than one worker was "
                  "used; nuanced with one worker (N:1)"};
  if (v.goroutines <= 0) {
    return rule.not_judged("no goroutine ran");
  }
  const std::string facts = fmt::format(
      "{} goroutines ran on {} of {} workers, {} migrations, {} steals; the kernel saw {} more "
      "threads",
      v.goroutines, v.workers_used, v.workers, v.migrations, v.steals, v.threads_added);
  if (v.threads_added >= v.goroutines) {
    return rule.contradicted(facts);
  }
  if (v.workers < v.goroutines && v.workers_used > 1) {
    return rule.confirmed(facts +
                          ": the runtime starts W worker threads and multiplexes the "
                          "goroutines onto them, moving work between them by stealing");
  }
  return rule.nuanced(facts + ": with one worker this is N:1, not M:N");
}

std::string schedtrace_line(const SchedSample& s) {
  int total = 0;
  std::string per;
  for (std::size_t i = 0; i < s.queued.size(); ++i) {
    if (i > 0) {
      per += ' ';
    }
    per += std::to_string(s.queued[i]);
    total += s.queued[i];
  }
  return fmt::format("SCHED {:.0f}ms: gomaxprocs={} idleprocs={} runqueue={} [{}]", s.at_ms,
                     s.workers, s.idle, total, per);
}

}  // namespace conc::lessons::goroutines
