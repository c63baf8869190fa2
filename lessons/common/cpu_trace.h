#pragma once
// Which task ran when, and on which CPU, as the tasks themselves saw it: each records
// (monotonic time, sched_getcpu()) every few microseconds of work. From those traces come the
// terminal timeline (one row per task, one character per time bucket) and the facts the
// verdicts need: how many CPUs were used, how often the CPU passed from one task to another,
// and for how much of the time tasks ran on different CPUs at once.
//
// Pure: traces are plain data, so every function here is tested on synthetic traces.

#include <cstdint>
#include <string>
#include <vector>

namespace conc::lessons {

struct CpuSample {
  std::int64_t t_ns = 0;
  int cpu = 0;
};

struct TaskTrace {
  std::int64_t start_ns = 0;  // first instruction of the task's work
  std::int64_t end_ns = 0;    // after its last
  std::vector<CpuSample> samples;
};

// One string per task, `columns` characters each, bucket i covering
// [t0 + i × bucket, t0 + (i+1) × bucket): the CPU the task was seen on most in the bucket as a
// digit (then a-z past 9), '·' while the task existed but was never seen running (waiting for
// its turn), ' ' before it started and after it ended.
std::vector<std::string> timeline_rows(const std::vector<TaskTrace>& traces, std::int64_t t0_ns,
                                       std::int64_t bucket_ns, int columns);
char cpu_mark(int cpu);

struct TraceFacts {
  int cpus_used = 0;          // distinct CPUs in any sample
  int handovers = 0;          // times consecutive samples (all tasks, by time) changed task
  double parallel_share = 0;  // share of buckets (while any task ran) with tasks seen on at
                              // least two different CPUs
};
// `bucket_ns` is the resolution of "at the same time" for parallel_share.
TraceFacts analyse_traces(const std::vector<TaskTrace>& traces, std::int64_t bucket_ns);

}  // namespace conc::lessons
