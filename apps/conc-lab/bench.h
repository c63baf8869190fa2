#pragma once
// `conc-lab bench`: the runtime microbenchmarks of the peers (Go and Boost.Fiber run the
// same ones), one JSON line per benchmark in the peers' exact shape, "peer":"conc-lab". The
// results are report::BenchResult; lib/report/bench_report.h prints them (text and JSON).
//
// Each benchmark runs in its own process: the command re-executes itself with the hidden
// `--in-process --only NAME`, so that no benchmark inherits another's warm caches, mapped
// stacks or RSS (the memory benchmarks measure RSS deltas).

#include <string>
#include <vector>

#include "report/bench_report.h"

namespace conc::app {

struct BenchOptions {
  bool json = false;
  std::string only;         // one benchmark by name; empty = all
  bool in_process = false;  // hidden: run `only` here and print its JSON line
  int width = 80;           // the page's width, for the text table
};

using report::BenchResult;

// The benchmarks, in the peers' order (bench_runtime.cpp).
const std::vector<std::string>& bench_names();
BenchResult run_benchmark(const std::string& name);

int run_bench_command(const BenchOptions& options);

}  // namespace conc::app
