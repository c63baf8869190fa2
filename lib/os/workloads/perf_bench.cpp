#include "os/workloads/perf_bench.h"

#include <sstream>
#include <vector>

#include "os/sys/command.h"

namespace conc::os {

namespace {

std::optional<double> number_before(std::string_view line, std::string_view marker) {
  const auto at = line.find(marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::istringstream in{std::string(line.substr(0, at))};
  std::string word, last;
  while (in >> word) {
    last = word;
  }
  try {
    std::size_t used = 0;
    const double v = std::stod(last, &used);
    return used == last.size() ? std::optional<double>(v) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<PerfSchedPipe> parse_perf_sched_pipe(std::string_view output) {
  PerfSchedPipe p;
  bool have_rate = false;
  std::istringstream in{std::string(output)};
  std::string line;
  while (std::getline(in, line)) {
    if (const auto executed = line.find("Executed "); executed != std::string::npos) {
      std::istringstream words(line.substr(executed + 9));
      words >> p.loops;
      p.threads = line.find("two threads") != std::string::npos;
    } else if (auto rate = number_before(line, "usecs/op")) {
      p.usecs_per_op = *rate;
      have_rate = *rate > 0;
    }
  }
  return have_rate ? std::optional<PerfSchedPipe>(p) : std::nullopt;
}

PerfRun run_perf_sched_pipe(const std::string& perf_path, int cpu, long loops, bool threads,
                            std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{perf_path, "bench", "sched", "pipe", "-l", std::to_string(loops)};
  if (threads) {
    argv.push_back("-T");
  }
  PerfRun run;
  run.command = "taskset -c " + std::to_string(cpu);
  for (const auto& a : argv) {
    run.command += " " + a;
  }
  const CommandResult r = run_captured(argv, cpu, timeout);
  if (r.timed_out) {
    run.error = "no answer within " + std::to_string(timeout.count()) + " ms (killed)";
    return run;
  }
  run.result = parse_perf_sched_pipe(r.output);
  if (!run.result) {
    std::string first_line = r.output.substr(0, r.output.find('\n'));
    run.error = "perf " + r.status.describe() + ", no usecs/op in its output" +
                (first_line.empty() ? "" : ": " + first_line);
  }
  return run;
}

std::string how_to_install_perf() {
  return "perf is not installed. Debian: apt-get install linux-perf; Ubuntu: apt-get install "
         "linux-tools-common linux-tools-$(uname -r); Fedora: dnf install perf. Then run this "
         "lesson again with --reference.";
}

}  // namespace conc::os
