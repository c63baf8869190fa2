#pragma once
// `conc-lab bench`: the runtime microbenchmarks of the peers (Go and Boost.Fiber run the
// same ones), one JSON line per benchmark in the peers' exact shape, "peer":"conc-lab".
//
// Each benchmark runs in its own process: the command re-executes itself with the hidden
// `--in-process --only NAME`, so that no benchmark inherits another's warm caches, mapped
// stacks or RSS (the memory benchmarks measure RSS deltas).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conc::app {

struct BenchOptions {
  bool json = false;
  std::string only;         // one benchmark by name; empty = all
  bool in_process = false;  // hidden: run `only` here and print its JSON line
};

struct BenchResult {
  std::string bench;
  long long n = 0;
  double ns_per_op = 0;
  std::optional<double> bytes_per_op;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// The benchmarks, in the peers' order (bench_runtime.cpp).
const std::vector<std::string>& bench_names();
BenchResult run_benchmark(const std::string& name);

// The peers' JSON line, keys in Go's order.
std::string bench_json_line(const BenchResult& r);

int run_bench_command(const BenchOptions& options);

}  // namespace conc::app
