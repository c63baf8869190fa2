// Lesson `goroutines`: what a switch saves and costs (C34), which worker ran what (C35) with a
// schedtrace-style line per interval rebuilt from the runtime's trace, and a goroutine that
// blocks its worker in a system call.

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "lessons/common/lesson.h"
#include "lessons/goroutines/goroutines.h"
#include "os/procfs/proc_read.h"
#include "os/sys/clock.h"
#include "os/workloads/busy_group.h"
#include "os/workloads/pingpong.h"
#include "report/units.h"
#include "runtime/context.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::goroutines {

// What the runtime's switch saves: the Context record, whose layout the assembly shares with
// context.h through context_offsets.h (each offset static_assert'ed there).
#if !defined(CONC_CONTEXT_UCONTEXT)
static_assert(sizeof(rt::Context) == CONC_CTX_SIZE);
#endif

namespace {

constexpr long kYields = 200'000, kQuickYields = 50'000;
constexpr long kRoundTrips = 20'000, kQuickRoundTrips = 5'000;
constexpr int kSwitchRepeats = 5, kQuickSwitchRepeats = 3;
constexpr int kChunks = 20;
constexpr int kChunkRounds = 20'000;  // spin_work rounds per chunk, a yield after each
constexpr int kSchedLines = 8;

std::optional<double> xsave_bytes() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(0xD, 0, &eax, &ebx, &ecx, &edx) != 0 && ebx > 0) {
    return ebx;
  }
#endif
  return std::nullopt;
}

double goroutine_switch_ns(long yields) {
  std::int64_t ns = 0;
  rt::Config config;
  config.workers = 1;
  rt::run(
      [&] {
        std::atomic<bool> stop{false};
        rt::WaitGroup done;
        done.add(1);
        rt::go([&] {
          while (!stop.load(std::memory_order_relaxed)) {
            rt::yield();
          }
          done.done();
        });
        rt::yield();
        const auto t0 = os::monotonic_ns();
        for (long i = 0; i < yields; ++i) {
          rt::yield();
        }
        ns = os::monotonic_ns() - t0;
        stop.store(true, std::memory_order_relaxed);
        done.wait();
      },
      config);
  // Each of main's yields switches to the partner and the partner's yield switches back.
  return static_cast<double>(ns) / static_cast<double>(2 * yields);
}

}  // namespace

SwitchView switch_costs(LessonContext& ctx) {
  SwitchView v;
  v.runtime_bytes = sizeof(rt::Context);
  v.xsave_bytes = xsave_bytes();
  const int repeats = ctx.repeats(kSwitchRepeats, kQuickSwitchRepeats);
  std::vector<double> g;
  for (int r = 0; r < repeats; ++r) {
    LessonContext::check_interrupted();
    g.push_back(goroutine_switch_ns(ctx.size(kYields, kQuickYields)));
  }
  v.goroutine_switch_ns =
      ctx.measure("goroutine_switch_ns", "goroutine switch (yield to yield)", "ns", g,
                  "two goroutines on one worker yielding to each other; time / (2 × yields); "
                  "the scheduler's queue work is included")
          .stats.median;
  os::PingPongConfig pp;
  pp.cpu = ctx.cpu();
  pp.round_trips = ctx.size(kRoundTrips, kQuickRoundTrips);
  pp.repetitions = repeats;
  const auto result = os::run_pingpong(pp);
  std::vector<double> t;
  for (const auto& rep : result.reps) {
    t.push_back(rep.round_trip_ns / 2);
  }
  v.thread_switch_ns =
      ctx.measure("thread_switch_ns", "thread switch (futex ping-pong)", "ns", t,
                  fmt::format("two threads pinned to CPU {} waking each other by futex; round "
                              "trip / 2, the futex calls included (context-switch subtracts "
                              "them)",
                              ctx.cpu()))
          .stats.median;
  report::Table table;
  table.id = "switch_saves";
  table.title = "What a switch saves";
  table.columns = {"switch", "state saved", "measured"};
  table.rows.push_back({std::string("conc::rt (") + rt::context_backend() + ")",
                        fmt::format("{} bytes: callee-saved regs, sp, pc", v.runtime_bytes),
                        report::format_ns(v.goroutine_switch_ns)});
  table.rows.push_back({std::string("kernel (thread)"),
                        v.xsave_bytes ? fmt::format("{} bytes XSAVE + kernel state", *v.xsave_bytes)
                                      : std::string("no XSAVE size (not x86)"),
                        report::format_ns(v.thread_switch_ns)});
  table.note = "XSAVE size from CPUID leaf 0xD: the register area for the features enabled.";
  ctx.report().add(std::move(table));
  return v;
}

namespace {

// The scheduler's state rebuilt from its trace: where each goroutine waits, what each worker
// runs.
struct Replay {
  explicit Replay(int workers) : running(static_cast<std::size_t>(workers), 0) {}
  std::map<std::uint64_t, int> queued_on;  // goroutine -> worker whose queue holds it
  std::vector<std::uint64_t> running;      // per worker, 0 = idle

  void apply(const rt::TraceEvent& e) {
    auto& r = running[static_cast<std::size_t>(e.worker)];
    switch (e.kind) {
      case rt::EventKind::spawn:
      case rt::EventKind::unblock:
      case rt::EventKind::steal:
        queued_on[e.goroutine] = e.worker;
        break;
      case rt::EventKind::run:
        if (r != 0 && r != e.goroutine) {
          queued_on[r] = e.worker;  // it yielded: back on this worker's queue
        }
        queued_on.erase(e.goroutine);
        r = e.goroutine;
        break;
      case rt::EventKind::block:
      case rt::EventKind::exit:
        queued_on.erase(e.goroutine);
        if (r == e.goroutine) {
          r = 0;
        }
        break;
    }
  }
  SchedSample sample(double at_ms) const {
    SchedSample s;
    s.at_ms = at_ms;
    s.workers = static_cast<int>(running.size());
    s.queued.assign(running.size(), 0);
    for (const auto& [g, w] : queued_on) {
      ++s.queued[static_cast<std::size_t>(w)];
    }
    s.idle = static_cast<int>(std::count(running.begin(), running.end(), 0));
    return s;
  }
};

std::string schedtrace(const rt::RunResult& r, int workers) {
  if (r.trace.empty()) {
    return "";
  }
  const auto end = r.trace.back().ns;
  const auto step = std::max<std::int64_t>(1, end / kSchedLines);
  Replay replay(workers);
  std::string out;
  std::size_t i = 0;
  for (std::int64_t at = step; at <= end + step - 1; at += step) {
    for (; i < r.trace.size() && r.trace[i].ns <= at; ++i) {
      replay.apply(r.trace[i]);
    }
    out += "    " + schedtrace_line(replay.sample(static_cast<double>(at) / 1e6)) + "\n";
  }
  return out;
}

}  // namespace

MnView mn_schedule(LessonContext& ctx, int workers, int goroutines) {
  MnView v;
  v.goroutines = goroutines;
  const auto before = static_cast<long long>(os::list_tasks(::getpid()).size());
  long long during = before;
  rt::Config config;
  config.workers = workers;
  config.trace = true;
  config.stall_threshold = std::chrono::milliseconds(0);
  const auto result = rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(goroutines);
        for (int i = 0; i < goroutines; ++i) {
          rt::go([&] {
            std::uint64_t x = 1;
            for (int c = 0; c < kChunks; ++c) {
              x = os::spin_work(x, kChunkRounds);
              rt::yield();
            }
            asm volatile("" : : "r"(x));
            wg.done();
          });
        }
        during = static_cast<long long>(os::list_tasks(::getpid()).size());
        wg.wait();
      },
      config);
  v.workers = static_cast<int>(result.workers.size());
  v.threads_added = during - before;
  std::map<std::uint64_t, std::set<int>> ran_on;
  std::map<std::uint64_t, int> last;
  for (const auto& e : result.trace) {
    if (e.kind == rt::EventKind::steal) {
      ++v.steals;
    }
    if (e.kind != rt::EventKind::run || e.goroutine == 1) {
      continue;
    }
    ran_on[e.goroutine].insert(e.worker);
    const auto it = last.find(e.goroutine);
    if (it != last.end() && it->second != e.worker) {
      ++v.migrations;
    }
    last[e.goroutine] = e.worker;
  }
  std::set<int> used;
  report::Table per_g;
  per_g.id = "which_worker";
  per_g.title = "Which worker ran each goroutine";
  per_g.columns = {"goroutine", "workers that ran it", "runs"};
  for (const auto& [g, ws] : ran_on) {
    std::string list;
    for (const int w : ws) {
      if (!list.empty()) {
        list += ',';
      }
      list += std::to_string(w);
      used.insert(w);
    }
    const auto id = g;  // clang 14 cannot capture a structured binding
    const auto runs = std::count_if(result.trace.begin(), result.trace.end(), [&](const auto& e) {
      return e.kind == rt::EventKind::run && e.goroutine == id;
    });
    per_g.rows.push_back({static_cast<std::int64_t>(g), list, static_cast<std::int64_t>(runs)});
  }
  v.workers_used = static_cast<int>(used.size());
  ctx.report().add(std::move(per_g));
  report::Table per_w;
  per_w.id = "workers";
  per_w.title = "Per worker (the runtime's counters)";
  per_w.columns = {"worker", "goroutines run", "switches", "steals", "slept"};
  for (std::size_t w = 0; w < result.workers.size(); ++w) {
    const auto& s = result.workers[w];
    per_w.rows.push_back({static_cast<std::int64_t>(w), static_cast<std::int64_t>(s.goroutines_run),
                          static_cast<std::int64_t>(s.switches),
                          static_cast<std::int64_t>(s.steals), static_cast<std::int64_t>(s.parks)});
  }
  ctx.report().add(std::move(per_w));
  ctx.explain("A schedtrace-style line per interval",
              "Go prints such a line with GODEBUG=schedtrace=100: gomaxprocs is W, idleprocs "
              "the workers running nothing, [..] the goroutines waiting in each worker's queue "
              "(runqueue= is their sum here: conc::rt keeps no global queue in its trace). "
              "These lines are rebuilt from the runtime's trace of this run:\n\n" +
                  schedtrace(result, v.workers));
  return v;
}

namespace {

struct BlockRun {
  double longest_gap_ms = 0;
  std::size_t stalls = 0;
};

constexpr auto kTick = std::chrono::milliseconds(1);
constexpr int kTicks = 60;
constexpr useconds_t kBlockUs = 40'000;

BlockRun blocking_run(int workers, bool syscall) {
  BlockRun b;
  rt::Config config;
  config.workers = workers;
  const auto result = rt::run(
      [&] {
        rt::WaitGroup wg;
        wg.add(1);
        rt::go([&] {
          rt::sleep_for(std::chrono::milliseconds(5));
          if (syscall) {
            ::usleep(kBlockUs);  // blocks the worker thread, not just this goroutine
          } else {
            rt::sleep_for(std::chrono::microseconds(kBlockUs));
          }
          wg.done();
        });
        auto prev = os::monotonic_ns();
        for (int i = 0; i < kTicks; ++i) {
          rt::sleep_for(kTick);
          const auto now = os::monotonic_ns();
          b.longest_gap_ms = std::max(b.longest_gap_ms, static_cast<double>(now - prev) / 1e6);
          prev = now;
        }
        wg.wait();
      },
      config);
  b.stalls = result.stalls.size();
  return b;
}

}  // namespace

void blocking_worker(LessonContext& ctx) {
  report::Table t;
  t.id = "blocking";
  t.title = "A ticker (1 ms sleeps) beside a goroutine that waits 40 ms";
  t.columns = {"the 40 ms wait", "workers", "longest tick gap", "stall reports"};
  const struct {
    const char* what;
    int workers;
    bool syscall;
  } cases[] = {{"usleep (blocking syscall)", 1, true},
               {"rt::sleep_for (parks)", 1, false},
               {"usleep (blocking syscall)", 2, true}};
  for (const auto& c : cases) {
    LessonContext::check_interrupted();
    const auto b = blocking_run(c.workers, c.syscall);
    t.rows.push_back({std::string(c.what), static_cast<std::int64_t>(c.workers),
                      fmt::format("{:.1f} ms", b.longest_gap_ms),
                      static_cast<std::int64_t>(b.stalls)});
  }
  t.note =
      "Go hands a blocked thread's P (its right to run goroutines) to another thread; conc::rt "
      "does not, so the syscall stops every goroutine queued on that worker.";
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::goroutines
