// Lesson `locking`: the verdict rule for C25, Amdahl's formula and the thread-count list.
// Pure: numbers in, verdict out.

#include <fmt/format.h>

#include "lessons/common/verdict_rule.h"
#include "lessons/locking/locking.h"
#include "report/units.h"

namespace conc::lessons::locking {

double amdahl(double serial, int threads) {
  return 1 / (serial + (1 - serial) / std::max(threads, 1));
}

report::ClaimVerdict judge_c25(const ScalingView& v) {
  const Rule rule{
      "C25",
      fmt::format("on 2 or more CPUs and threads: confirmed when the mutex counter's speed-up "
                  "at the most threads is at most {} while the padded sharded counter's is at "
                  "least {}; contradicted when the mutex counter scales as well as the sharded "
                  "one (or better); nuanced otherwise",
                  report::format_ratio(kLockedFlat), report::format_ratio(kShardedScales))};
  if (v.cpus < 2 || v.max_threads < 2) {
    return rule.not_judged(fmt::format(
        "{} CPU(s) and at most {} thread(s): nothing can run in parallel, so neither counter "
        "can scale",
        v.cpus, v.max_threads));
  }
  const std::string facts = fmt::format(
      "on {} threads and {} CPUs the mutex counter ran {} its one-thread rate, the sharded one "
      "{} (no speed-up can pass {})",
      v.max_threads, v.cpus, report::format_ratio(v.locked), report::format_ratio(v.sharded),
      v.cpus);
  if (v.locked >= v.sharded) {
    return rule.contradicted(facts);
  }
  if (v.locked <= kLockedFlat && v.sharded >= kShardedScales) {
    return rule.confirmed(facts +
                          ": the lock lets one thread count at a time and its cache "
                          "line moves between CPUs at every hand-over, while the "
                          "shards share nothing");
  }
  return rule.nuanced(facts);
}

}  // namespace conc::lessons::locking
