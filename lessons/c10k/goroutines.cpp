// Lesson `c10k`, the goroutine rows: the same CPU-bound work units as the busy threads, done by
// N goroutines on one conc::rt worker pinned to the same CPU, each yielding after ~1 ms of work.
// Per N, in a fresh child process: useful work per second, resident memory per goroutine, how
// many had a turn in the window, the mean turn and the time between two turns of one goroutine.

#include "lessons/c10k/goroutines.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "lessons/c10k/c10k.h"
#include "lessons/c10k/parts.h"
#include "lessons/common/lesson.h"
#include "os/procfs/proc_read.h"
#include "os/sys/affinity.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "os/workloads/busy_group.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::c10k {

namespace {

// Work units between two clock reads: a clock read costs a fraction of a unit.
constexpr int kUnitsPerCheck = 8;
constexpr auto kChildLimit = std::chrono::milliseconds(120'000);

// One goroutine's account, written by itself only (one worker), read by main after the join.
struct Account {
  std::int64_t units = 0, turns = 0, run_ns = 0;
  std::int64_t gap_ns = 0;  // time between its last two turns (0: fewer than two)
};

struct Shared {
  std::atomic<bool> stop{false};
  std::atomic<int> parked{0};
  std::atomic<std::uint64_t> sink{0};  // keeps the compiler from dropping the work
  std::vector<Account> accounts;
};

void busy_goroutine(Shared& s, Account& a, rt::WaitGroup& gate, std::int64_t turn_ns) {
  s.parked.fetch_add(1, std::memory_order_relaxed);
  gate.wait();
  std::uint64_t state = 1;
  std::int64_t last_yield = 0;
  while (!s.stop.load(std::memory_order_relaxed)) {
    const std::int64_t begin = os::monotonic_ns();
    if (last_yield != 0) {
      a.gap_ns = begin - last_yield;
    }
    std::int64_t now = begin;
    while (now - begin < turn_ns && !s.stop.load(std::memory_order_relaxed)) {
      for (int i = 0; i < kUnitsPerCheck; ++i) {
        state = os::spin_work(state, kRoundsPerUnit);
      }
      a.units += kUnitsPerCheck;
      now = os::monotonic_ns();
    }
    a.run_ns += now - begin;
    ++a.turns;
    last_yield = now;
    rt::yield();
  }
  s.sink.fetch_add(state, std::memory_order_relaxed);
}

double rss_bytes() {
  const auto st = os::read_status(::getpid());
  return st && st->vm_rss_kib ? static_cast<double>(*st->vm_rss_kib) * 1024 : 0;
}

// Runs in the child: spawn N parked goroutines, open the gate, close the window from a plain
// thread (a goroutine's timer would wait its turn behind N others), join, sum up.
GoroutineFigures goroutine_child(int cpu, int n, std::int64_t window_ns, std::int64_t turn_ns) {
  GoroutineFigures f;
  f.requested = n;
  os::pin_current_thread(cpu);  // the worker and the monitor inherit the CPU
  Shared s;
  s.accounts.resize(static_cast<std::size_t>(n));
  double rss0 = 0;
  rt::Config config;
  config.workers = 1;
  config.stall_threshold = std::chrono::milliseconds(0);  // each turn holds the worker ~1 ms
  std::int64_t cpu0 = 0, cpu1 = 0, opened = 0, closed = 0;
  rt::run(
      [&] {
        rt::WaitGroup gate, exited;
        gate.add(1);
        rss0 = rss_bytes();  // the runtime's own threads and heap are there already
        for (int i = 0; i < n && !os::interrupted(); ++i) {
          exited.add(1);
          Account& a = s.accounts[static_cast<std::size_t>(i)];
          rt::go([&s, &a, &gate, &exited, turn_ns] {
            busy_goroutine(s, a, gate, turn_ns);
            exited.done();
          });
          ++f.spawned;
        }
        while (s.parked.load(std::memory_order_relaxed) < f.spawned) {
          rt::yield();  // one worker: the goroutines run to the gate while main yields
        }
        f.rss_parked = rss_bytes() - rss0;
        std::thread closer([&] {
          std::this_thread::sleep_for(std::chrono::nanoseconds(window_ns));
          s.stop.store(true, std::memory_order_relaxed);
          closed = os::monotonic_ns();
          cpu1 = os::process_cpu_ns();
        });
        cpu0 = os::process_cpu_ns();
        opened = os::monotonic_ns();
        gate.done();
        exited.wait();
        closer.join();
      },
      config);
  f.window_ns = closed - opened;
  f.cpu_ns = cpu1 - cpu0;
  std::vector<double> gaps;
  for (const auto& a : s.accounts) {
    f.units += a.units;
    f.turns += a.turns;
    f.run_ns += a.run_ns;
    f.had_turn += a.turns > 0 ? 1 : 0;
    if (a.gap_ns > 0) {
      gaps.push_back(static_cast<double>(a.gap_ns));
    }
  }
  f.gap_median_ns = gaps.empty() ? 0 : report::median(gaps);
  f.gap_samples = static_cast<std::int64_t>(gaps.size());
  return f;
}

}  // namespace

GoroutineFigures measure_goroutines(int cpu, int n, std::int64_t window_ns, std::int64_t turn_ns) {
  os::Pipe result;
  auto child = os::ChildProcess::spawn([&]() -> int {
    const GoroutineFigures f = goroutine_child(cpu, n, window_ns, turn_ns);
    return result.send(f) ? 0 : 1;
  });
  result.close_write();
  GoroutineFigures f;
  const bool got = result.receive(f, kChildLimit);
  const auto status = got ? child.wait_for(kChildLimit) : child.kill();
  if (!got || !status || !status->exited || status->code != 0) {
    GoroutineFigures failed;
    failed.requested = n;
    failed.failed = true;
    return failed;
  }
  return f;
}

void report_goroutines(LessonContext& ctx, const std::vector<GoroutineFigures>& rows,
                       std::int64_t turn_ns, int cpu) {
  report::Table t{
      "goroutines",
      "The same work as goroutines on one worker",
      {"N", "work/s", "CPU share", "had a turn", "mean turn", "between turns", "resident each"},
      {},
      ""};
  for (const auto& f : rows) {
    if (f.failed) {
      ctx.warn(fmt::format("the child running {} goroutines failed; no row for it",
                           report::format_count(f.requested)));
      continue;
    }
    if (f.cpu_share() < kMinCpuShare) {
      ctx.warn(
          fmt::format("with {} goroutines the worker had only {} of CPU {}: other programs "
                      "ran on it too, and their time counts in the turns",
                      report::format_count(f.spawned), report::format_percent(f.cpu_share()), cpu));
    }
    t.rows.push_back(
        {static_cast<std::int64_t>(f.spawned), f.work_per_second(),
         report::format_percent(f.cpu_share()), static_cast<std::int64_t>(f.had_turn),
         f.turns > 0 ? report::format_ns(f.mean_turn_ns()) : std::string("-"),
         f.gap_samples > 0 ? report::format_ns(f.gap_median_ns) : std::string("> window"),
         report::format_bytes(f.rss_per_goroutine())});
    ctx.measure(
        fmt::format("goroutine_work_per_s_n{}", f.spawned),
        fmt::format("work units per second, {} goroutines", report::format_count(f.spawned)), "1/s",
        {f.work_per_second()}, "units finished in the window ÷ the window");
  }
  t.note = fmt::format(
      "Each N in a fresh child: conc::rt with 1 worker pinned to CPU {}; each goroutine does the "
      "busy threads' work units and calls rt::yield() after {} of them, a cooperative turn. "
      "work/s = units in the window ÷ window; CPU share = the child's CPU time ÷ window; had a "
      "turn = goroutines that ran in the window; mean turn = their time running ÷ turns; "
      "between turns = median time from one yield of a goroutine to its next turn (about N × "
      "the turn: \"> window\" when none had two); resident each = VmRSS growth with all of them "
      "spawned and parked ÷ N. Turns are wall time: another program's time on the CPU "
      "counts in them.",
      cpu, report::format_ns(static_cast<double>(turn_ns)));
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::c10k
