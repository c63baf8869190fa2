// The benchmarks themselves, line for line the programs of the Go peer's bench.go written
// against conc::rt: same names, sizes, meaning of n, warm-up and timed region.
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench.h"
#include "lessons/common/switch_timing.h"
#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"
#include "runtime/chan.h"
#include "runtime/context.h"
#include "runtime/runtime.h"
#include "runtime/select.h"
#include "runtime/sync.h"

namespace conc::app {

namespace {

namespace rt = conc::rt;
using os::monotonic_ns;

// Abort memory benchmarks before they can hurt the machine (the Go peer's rssLimit).
constexpr long long kRssLimit = 12LL << 30;

// Resident memory and page tables of this process, in bytes (-1 where the kernel does not say).
struct Memory {
  long long rss = -1, page_tables = -1;
};

Memory self_memory() {
  const auto st = os::read_status(::getpid());
  const auto bytes = [](std::optional<long long> kib) { return kib ? *kib * 1024 : -1; };
  return st ? Memory{bytes(st->vm_rss_kib), bytes(st->vm_pte_kib)} : Memory{};
}

// The scheduler's counters of the last program a benchmark ran (reported in extra).
nlohmann::ordered_json last_counters;

rt::Config config_for(int workers) {
  rt::Config c;
  c.workers = workers;  // 0: every allowed CPU, as Go's default GOMAXPROCS
  return c;
}

BenchResult base(const std::string& name, long long n, int workers) {
  BenchResult r;
  r.bench = name;
  r.n = n;
  r.extra["workers"] =
      workers == 0 ? static_cast<int>(std::thread::hardware_concurrency()) : workers;
  r.extra["numcpu"] = static_cast<int>(std::thread::hardware_concurrency());
  r.extra["switch_backend"] = rt::context_backend();
  if (!last_counters.is_null()) {
    r.extra["worker_counters"] = last_counters;
  }
  return r;
}

template <class F>
void run_program(int workers, F&& main_fn) {
  const rt::RunResult r = rt::run(std::forward<F>(main_fn), config_for(workers));
  if (r.outcome != rt::Outcome::completed) {
    throw std::runtime_error("benchmark program did not complete:\n" + r.report);
  }
  last_counters = nlohmann::ordered_json::array();
  for (const rt::WorkerStats& w : r.workers) {
    last_counters.push_back({{"run", w.goroutines_run},
                             {"switches", w.switches},
                             {"steals", w.steals},
                             {"sleeps", w.parks},
                             {"compactions", w.compactions},
                             {"restores", w.restores}});
  }
}

BenchResult spawn_join(const std::string& name, long long n, int workers) {
  std::int64_t cold = 0, warm = 0;
  run_program(workers, [&] {
    auto round = [&] {
      rt::WaitGroup wg;
      const std::int64_t t0 = monotonic_ns();
      wg.add(n);
      for (long long i = 0; i < n; ++i) {
        rt::go([&] { wg.done(); });
      }
      wg.wait();
      return monotonic_ns() - t0;
    };
    cold = round();
    warm = round();
  });
  BenchResult r = base(name, n, workers);
  r.ns_per_op = static_cast<double>(warm) / static_cast<double>(n);
  r.extra["cold_ns_per_op"] = static_cast<double>(cold) / static_cast<double>(n);
  r.extra["unit"] = "ns per goroutine (spawn+run+Done, amortised incl. Wait)";
  return r;
}

BenchResult pingpong(const std::string& name, long long n, int workers) {
  BenchResult r = base(name, n, workers);
  r.ns_per_op = lessons::measure_chan_round_trip_ns(n, workers);
  r.extra["unit"] = "ns per round trip (2 unbuffered sends + 2 receives)";
  return r;
}

BenchResult buffered(const std::string& name, long long n, int workers) {
  std::int64_t elapsed = 0;
  auto once = [&](long long count) {
    run_program(workers, [&] {
      rt::Chan<long long> ch(1024);
      rt::WaitGroup wg;
      wg.add(2);
      long long sum = 0;
      const std::int64_t t0 = monotonic_ns();
      rt::go([&] {
        for (long long i = 0; i < count; ++i) {
          ch.send(i);
        }
        ch.close();
        wg.done();
      });
      rt::go([&] {
        long long s = 0;
        while (auto v = ch.recv()) {
          s += *v;
        }
        sum = s;
        wg.done();
      });
      wg.wait();
      elapsed = monotonic_ns() - t0;
      if (sum != count * (count - 1) / 2) {
        throw std::runtime_error("chan_buffered: bad sum");
      }
    });
  };
  once(n / 10);
  once(n);
  BenchResult r = base(name, n, workers);
  r.ns_per_op = static_cast<double>(elapsed) / static_cast<double>(n);
  r.extra["capacity"] = 1024;
  r.extra["unit"] = "ns per item";
  return r;
}

BenchResult select2(const std::string& name, long long n, int workers) {
  std::int64_t elapsed = 0;
  long long got[2] = {0, 0};
  auto once = [&](long long count) {
    run_program(workers, [&] {
      rt::Chan<long long> a(0), b(0);
      rt::WaitGroup wg;
      wg.add(3);
      const std::int64_t t0 = monotonic_ns();
      auto prod = [&wg](rt::Chan<long long>& c, long long k) {
        for (long long i = 0; i < k; ++i) {
          c.send(i);
        }
        wg.done();
      };
      rt::go([&] { prod(a, count / 2); });
      rt::go([&] { prod(b, count - count / 2); });
      rt::go([&] {
        long long ga = 0, gb = 0;
        std::optional<long long> va, vb;
        while (ga + gb < count) {
          if (rt::select(rt::recv_case(a, va), rt::recv_case(b, vb)) == 0) {
            ++ga;
          } else {
            ++gb;
          }
        }
        got[0] = ga;
        got[1] = gb;
        wg.done();
      });
      wg.wait();
      elapsed = monotonic_ns() - t0;
    });
  };
  once(n / 10);
  once(n);
  BenchResult r = base(name, n, workers);
  r.ns_per_op = static_cast<double>(elapsed) / static_cast<double>(n);
  r.extra["from_a"] = got[0];
  r.extra["from_b"] = got[1];
  r.extra["unit"] = "ns per item received";
  return r;
}

BenchResult mutex_contended(const std::string& name, long long per, int goroutines) {
  std::int64_t elapsed = 0;
  long long counter = 0;
  auto once = [&](long long count) {
    counter = 0;
    run_program(0, [&] {
      rt::Mutex mu;
      rt::WaitGroup wg;
      wg.add(goroutines);
      const std::int64_t t0 = monotonic_ns();
      for (int j = 0; j < goroutines; ++j) {
        rt::go([&] {
          for (long long i = 0; i < count; ++i) {
            mu.lock();
            ++counter;
            mu.unlock();
          }
          wg.done();
        });
      }
      wg.wait();
      elapsed = monotonic_ns() - t0;
    });
  };
  once(per / 10);
  once(per);
  const long long total = per * goroutines;
  if (counter != total) {
    throw std::runtime_error("mutex: lost increments");
  }
  BenchResult r = base(name, total, 0);
  r.ns_per_op = static_cast<double>(elapsed) / static_cast<double>(total);
  r.extra["goroutines"] = goroutines;
  r.extra["per_goroutine"] = per;
  r.extra["unit"] = "ns per increment (wall time / total increments)";
  return r;
}

BenchResult yield_switch(const std::string& name, long long n) {
  BenchResult r = base(name, 2 * n, 1);
  r.ns_per_op = lessons::measure_yield_switch_ns(n);
  r.extra["per_goroutine"] = n;
  r.extra["unit"] = "ns per yield (= per switch)";
  return r;
}

// compact: the same program with rt::SpawnOptions::compact_when_parked (runtime.h), whose
// contract it keeps: the goroutine captures pointers to main's locals and shares none of its
// own.
BenchResult mem_per_goroutine(const std::string& name, long long n, bool compact = false) {
  long long rss0 = 0, rss1 = 0, pte0 = 0, pte1 = 0;
  std::int64_t spawn = 0, wake = 0;
  run_program(0, [&] {
    const Memory m0 = self_memory();
    rss0 = m0.rss;
    pte0 = m0.page_tables;
    rt::Chan<int> ch(0);
    std::atomic<long long> started{0};
    rt::WaitGroup wg;
    wg.add(n);
    const std::int64_t t0 = monotonic_ns();
    const rt::SpawnOptions options{.compact_when_parked = compact};
    for (long long i = 0; i < n; ++i) {
      rt::go(
          [&] {
            started.fetch_add(1, std::memory_order_relaxed);
            ch.recv();
            wg.done();
          },
          options);
      if ((i & 0xffff) == 0 && self_memory().rss > kRssLimit) {
        throw std::runtime_error(name + ": RSS above 12 GiB, aborting");
      }
    }
    while (started.load() < n) {
      rt::sleep_for(std::chrono::milliseconds(1));
    }
    rt::yield();  // the last starters park
    spawn = monotonic_ns() - t0;
    const Memory m1 = self_memory();
    rss1 = m1.rss;
    pte1 = m1.page_tables;
    const std::int64_t w0 = monotonic_ns();
    ch.close();
    wg.wait();
    wake = monotonic_ns() - w0;
  });
  BenchResult r = base(name, n, 0);
  r.ns_per_op = static_cast<double>(spawn) / static_cast<double>(n);
  r.bytes_per_op = static_cast<double>(rss1 - rss0) / static_cast<double>(n);
  r.extra["rss_before"] = rss0;
  r.extra["rss_after"] = rss1;
  r.extra["page_tables_per_op"] = static_cast<double>(pte1 - pte0) / static_cast<double>(n);
  r.extra["stack_reserved"] = rt::Config{}.stack_size;
  r.extra["compact_when_parked"] = compact;
  // Not in Go's program: close() until every goroutine has woken (copied back, if compacted),
  // run and exited, per goroutine.
  r.extra["wake_ns_per_op"] = static_cast<double>(wake) / static_cast<double>(n);
  if (compact) {
    std::uint64_t compacted = 0;
    for (const auto& w : last_counters) {
      compacted += w["compactions"].get<std::uint64_t>();
    }
    r.extra["stacks_compacted"] = compacted;
  }
  r.extra["unit"] =
      "bytes_per_op = VmRSS delta / n (page tables: extra.page_tables_per_op); ns_per_op = "
      "spawn-until-all-parked time / n";
  return r;
}

using BenchFn = std::function<BenchResult()>;

const std::vector<std::pair<std::string, BenchFn>>& table() {
  static const std::vector<std::pair<std::string, BenchFn>> t = {
      {"spawn_join", [] { return spawn_join("spawn_join", 100000, 0); }},
      {"spawn_join_p1", [] { return spawn_join("spawn_join_p1", 100000, 1); }},
      {"chan_pingpong", [] { return pingpong("chan_pingpong", 1000000, 0); }},
      {"chan_pingpong_p1", [] { return pingpong("chan_pingpong_p1", 1000000, 1); }},
      {"chan_buffered", [] { return buffered("chan_buffered", 10000000, 0); }},
      {"chan_buffered_p1", [] { return buffered("chan_buffered_p1", 10000000, 1); }},
      {"select2", [] { return select2("select2", 2000000, 0); }},
      {"select2_p1", [] { return select2("select2_p1", 2000000, 1); }},
      {"mutex_contended", [] { return mutex_contended("mutex_contended", 5000000, 2); }},
      {"mutex_contended_8", [] { return mutex_contended("mutex_contended_8", 5000000, 8); }},
      {"yield_switch", [] { return yield_switch("yield_switch", 1000000); }},
      {"mem_per_goroutine", [] { return mem_per_goroutine("mem_per_goroutine", 100000); }},
      {"mem_per_goroutine_1m", [] { return mem_per_goroutine("mem_per_goroutine_1m", 1000000); }},
      {"mem_per_goroutine_compact",
       [] { return mem_per_goroutine("mem_per_goroutine_compact", 100000, true); }},
      {"mem_per_goroutine_compact_1m",
       [] { return mem_per_goroutine("mem_per_goroutine_compact_1m", 1000000, true); }},
  };
  return t;
}

}  // namespace

const std::vector<std::string>& bench_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, fn] : table()) {
      v.push_back(name);
    }
    return v;
  }();
  return names;
}

BenchResult run_benchmark(const std::string& name) {
  for (const auto& [n, fn] : table()) {
    if (n == name) {
      return fn();
    }
  }
  throw std::invalid_argument("unknown benchmark '" + name + "'");
}

}  // namespace conc::app
