// Lesson `sync`: the verdict rules for C37 and C27 (numbers in, verdict out). Pure.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "lessons/common/verdict_rule.h"
#include "lessons/sync/sync.h"
#include "report/units.h"

namespace conc::lessons::sync {

report::ClaimVerdict judge_c37(const std::vector<Guarantee>& guarantees, const ReadHeavy& reads,
                               const std::vector<MisuseCase>& misuse) {
  const Rule rule{
      "C37",
      fmt::format("contradicted when a primitive's guarantee failed in any run; nuanced when "
                  "all held but a misuse message differed from Go's or the RWMutex was not at "
                  "least {} faster than a Mutex for read-heavy work; confirmed otherwise",
                  report::format_ratio(kRwPaysFrom))};
  if (guarantees.empty()) {
    return rule.not_judged("no primitive was run");
  }
  std::vector<std::string> broken, names, wrong_messages;
  for (const auto& g : guarantees) {
    names.push_back(g.primitive);
    if (!g.held) {
      broken.push_back(fmt::format("{} ({})", g.primitive, g.observed));
    }
  }
  for (const auto& m : misuse) {
    if (!m.as_go) {
      wrong_messages.push_back(m.name);
    }
  }
  if (!broken.empty()) {
    return rule.contradicted(fmt::format("a guarantee failed: {}", fmt::join(broken, "; ")));
  }
  const double rw_gain =
      reads.rw_ns_per_read > 0 ? reads.mutex_ns_per_read / reads.rw_ns_per_read : 0;
  const std::string held =
      fmt::format("{} each kept its guarantee in every run ({} misuse cases checked)",
                  fmt::join(names, ", "), misuse.size());
  if (!wrong_messages.empty()) {
    return rule.nuanced(fmt::format("{}; but these misuse cases did not end as in Go: {}", held,
                                    fmt::join(wrong_messages, ", ")));
  }
  if (rw_gain < kRwPaysFrom) {
    return rule.nuanced(fmt::format(
        "{}; but for read-heavy work the RWMutex was only {} as fast as a plain Mutex on {} "
        "worker(s): readers overlap only when several workers run them at once and each read "
        "is long enough to outweigh the RWMutex's extra bookkeeping",
        held, report::format_ratio(rw_gain), reads.workers));
  }
  return rule.confirmed(fmt::format(
      "{}; readers under the RWMutex were {} faster than under a Mutex, and the misuse cases "
      "ended with Go's messages",
      held, report::format_ratio(rw_gain)));
}

report::ClaimVerdict judge_c27(const std::vector<ToolUse>& tools) {
  const Rule rule{"C27",
                  "a definition: confirmed when each of goroutines, channels, select and sync "
                  "was used by this run and did its job; could not judge otherwise"};
  std::vector<std::string> missing, done;
  for (const char* name : {"goroutines", "channels", "select", "sync"}) {
    const auto it =
        std::find_if(tools.begin(), tools.end(), [&](const ToolUse& t) { return t.tool == name; });
    if (it == tools.end() || !it->used) {
      missing.push_back(fmt::format("{} (not used)", name));
    } else if (!it->worked) {
      missing.push_back(fmt::format("{} ({})", name, it->what));
    } else {
      done.push_back(fmt::format("{}: {}", name, it->what));
    }
  }
  if (!missing.empty()) {
    return rule.not_judged(
        fmt::format("this run could not show the whole toolset: {}", fmt::join(missing, "; ")));
  }
  return rule.confirmed(fmt::format("all four tools are in conc::rt and worked in this run: {}",
                                    fmt::join(done, "; ")));
}

}  // namespace conc::lessons::sync
