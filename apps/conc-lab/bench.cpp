// `conc-lab bench`: runs each benchmark in a child process (this executable, re-executed with
// --in-process --only NAME) and prints its JSON line, or a table in text mode.
#include "bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "os/sys/child.h"
#include "os/sys/pipe.h"

namespace conc::app {

std::string bench_json_line(const BenchResult& r) {
  nlohmann::ordered_json j;
  j["peer"] = "conc-lab";
  j["bench"] = r.bench;
  j["n"] = r.n;
  j["ns_per_op"] = r.ns_per_op;
  if (r.bytes_per_op) {
    j["bytes_per_op"] = *r.bytes_per_op;
  }
  j["extra"] = r.extra;
  return j.dump();
}

namespace {

// Runs `conc-lab bench --in-process --only name` and returns its stdout (one JSON line).
std::string run_child(const std::string& name) {
  os::Pipe pipe;  // close-on-exec: the child keeps only its dup as stdout
  auto child = os::ChildProcess::spawn([&] {
    ::dup2(pipe.write_fd(), 1);
    const char* argv[] = {"conc-lab", "bench", "--in-process", "--only", name.c_str(), nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    return 127;
  });
  pipe.close_write();
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipe.read_fd(), buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  const os::ExitStatus status = child.wait();
  if (!status.exited || status.code != 0) {
    throw std::runtime_error("benchmark " + name + " failed (" + status.describe() + ")");
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

std::string table_row(const nlohmann::json& j) {
  const auto& extra = j["extra"];
  const std::string unit = extra.contains("unit") ? extra["unit"].get<std::string>() : "";
  if (j.contains("bytes_per_op")) {
    return fmt::format("{:<28} {:>10} {:>12.0f} B/goroutine  ({:.0f} ns to spawn and park each)\n",
                       j["bench"].get<std::string>(), j["n"].get<long long>(),
                       j["bytes_per_op"].get<double>(), j["ns_per_op"].get<double>());
  }
  return fmt::format("{:<28} {:>10} {:>12.1f} ns  {}\n", j["bench"].get<std::string>(),
                     j["n"].get<long long>(), j["ns_per_op"].get<double>(), unit);
}

}  // namespace

int run_bench_command(const BenchOptions& options) {
  if (options.in_process) {
    std::printf("%s\n", bench_json_line(run_benchmark(options.only)).c_str());
    return 0;
  }
  std::vector<std::string> names;
  if (options.only.empty()) {
    names = bench_names();
  } else {
    bool known = false;
    for (const auto& n : bench_names()) {
      known = known || n == options.only;
    }
    if (!known) {
      throw std::invalid_argument("unknown benchmark '" + options.only + "'");
    }
    names = {options.only};
  }
  if (!options.json) {
    std::printf(
        "conc-lab runtime benchmarks (each in its own process; the same programs as\n"
        "the Go peer's bench.go; --json for the peers' JSON lines)\n\n"
        "%-28s %10s %12s\n",
        "bench", "n", "per op");
    std::fflush(stdout);
  }
  for (const auto& name : names) {
    const std::string line = run_child(name);
    if (options.json) {
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%s", table_row(nlohmann::json::parse(line)).c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace conc::app
