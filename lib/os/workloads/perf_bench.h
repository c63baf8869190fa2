#pragma once
// `perf bench sched pipe`, the kernel developers' own ping-pong (tools/perf/bench/
// sched-pipe.c): two processes (or with -T two threads) pass an int back and forth over two
// pipes `-l` times and print the mean time per round trip as "usecs/op". No baseline is
// subtracted: one op = 2 switches + 4 pipe syscalls, the same thing conc-lab's raw pipe
// round trip measures.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace conc::os {

struct PerfSchedPipe {
  long loops = 0;        // "Executed N pipe operations"
  bool threads = false;  // "... between two threads" (else processes)
  double usecs_per_op = 0;
};

// Pure parser of perf's default output format; nullopt when "usecs/op" is missing.
std::optional<PerfSchedPipe> parse_perf_sched_pipe(std::string_view output);

struct PerfRun {
  std::optional<PerfSchedPipe> result;
  std::string command;  // as a person would type it
  std::string error;    // when result is empty: why
};

// Runs `perf bench sched pipe -l loops [-T]` pinned to `cpu` (as `taskset -c cpu` would).
// Throws Interrupted on Ctrl-C.
PerfRun run_perf_sched_pipe(const std::string& perf_path, int cpu, long loops, bool threads,
                            std::chrono::milliseconds timeout);

// What to tell someone who has no perf.
std::string how_to_install_perf();

}  // namespace conc::os
