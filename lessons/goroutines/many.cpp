// Lesson `goroutines`: many parked goroutines and many parked threads (C31), the kernel's view
// meanwhile (C28), and a goroutine stack's memory by mode and by recursion depth (C29).

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/goroutines/goroutines.h"
#include "os/procfs/limits.h"
#include "os/procfs/proc_read.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"
#include "os/sys/pipe.h"
#include "os/workloads/parked_threads.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::goroutines {

namespace {

constexpr auto kPoll = std::chrono::microseconds(200);
// Wall time per spawn beyond this many times its CPU time: the machine was busy elsewhere.
constexpr double kDisturbedWallToCpu = 3;
// How long main waits for compaction to catch up with the parked goroutines.
constexpr std::int64_t kCompactWaitNs = 2'000'000'000;
constexpr auto kThreadsParkLimit = std::chrono::milliseconds(10'000);

double rss_bytes() {
  const auto s = os::read_status(::getpid());
  return s && s->vm_rss_kib ? static_cast<double>(*s->vm_rss_kib) * kKiB : 0;
}
long long task_count() {
  return static_cast<long long>(os::list_tasks(::getpid()).size());
}

// Which limit most likely refused a reservation: named for the user, with its setting.
std::string refusal_reason(const std::string& what) {
  const auto as = os::get_rlimit(RLIMIT_AS);
  const auto caps = os::read_task_caps();
  return fmt::format(
      "{} (vm.max_map_count {}, RLIMIT_AS {}; see /proc/sys/vm/overcommit_memory "
      "and the cgroup's memory.max)",
      what, caps.max_map_count ? std::to_string(*caps.max_map_count) : "?",
      as.soft ? report::format_bytes(static_cast<double>(*as.soft)) : std::string("unlimited"));
}

struct Herd {
  std::atomic<long long> parked{0};
  long long spawned = 0;
  std::string refused;
  std::int64_t spawn_ns = 0, spawn_cpu_ns = 0, wake_ns = 0;
  double rss_parked = 0;
  long long tasks_parked = 0;
  rt::RuntimeStats stats;
};

void spawn_one(Herd& h, rt::WaitGroup& gate, rt::WaitGroup& exited, bool compact) {
  exited.add(1);
  auto body = [&h, &gate, &exited] {
    h.parked.fetch_add(1, std::memory_order_relaxed);
    gate.wait();
    exited.done();
  };
  if (compact) {
    rt::go(body, rt::SpawnOptions{.compact_when_parked = true});
  } else {
    rt::go(body);
  }
}

// Main of the herd program: spawn, wait until all parked (and compacted), measure, release.
void herd_main(Herd& h, long long count, bool compact) {
  rt::WaitGroup gate, exited;
  gate.add(1);
  const auto t0 = os::monotonic_ns();
  const auto cpu0 = os::process_cpu_ns();
  for (long long i = 0; i < count && !os::interrupted(); ++i) {
    try {
      spawn_one(h, gate, exited, compact);
      ++h.spawned;
    } catch (const std::exception& e) {
      exited.add(-1);
      h.refused = refusal_reason(e.what());
      break;
    }
  }
  h.spawn_ns = os::monotonic_ns() - t0;
  h.spawn_cpu_ns = os::process_cpu_ns() - cpu0;
  while (h.parked.load(std::memory_order_relaxed) < h.spawned && !os::interrupted()) {
    rt::sleep_for(kPoll);
  }
  const auto give_up = os::monotonic_ns() + kCompactWaitNs;
  while (compact && rt::stats().stacks_compacted < h.spawned && os::monotonic_ns() < give_up &&
         !os::interrupted()) {
    rt::sleep_for(kPoll);
  }
  h.rss_parked = rss_bytes();
  h.tasks_parked = task_count();
  h.stats = rt::stats();
  const auto t1 = os::monotonic_ns();
  gate.done();
  exited.wait();
  h.wake_ns = os::monotonic_ns() - t1;
}

}  // namespace

namespace {

constexpr auto kChildResultLimit = std::chrono::milliseconds(120'000);

// What a herd child sends back: plain bytes through a pipe.
struct HerdFigures {
  long long parked = 0, spawned = 0, tasks_before = 0, tasks_parked = 0;
  double rss_before = 0, rss_parked = 0;
  std::int64_t spawn_ns = 0, spawn_cpu_ns = 0, wake_ns = 0;
  std::size_t guarded = 0, reserved = 0, budget = 0;
  char refused[256] = {};
};

// Runs fn in a forked child (a fresh stack pool, so each herd's memory is its own) and
// returns what it sent; nullopt when the child failed.
template <typename T, typename F>
std::optional<T> in_child(F fn) {
  os::Pipe result;
  auto child = os::ChildProcess::spawn([&]() -> int {
    const T value = fn();
    return result.send(value) ? 0 : 1;
  });
  result.close_write();
  T value{};
  const bool got = result.receive(value, kChildResultLimit);
  const auto status = got ? child.wait_for(kChildResultLimit) : child.kill();
  if (!got || !status || !status->exited || status->code != 0) {
    return std::nullopt;
  }
  return value;
}

HerdFigures herd_child(long long count, int workers, bool compact) {
  HerdFigures f;
  f.tasks_before = task_count();
  f.rss_before = rss_bytes();
  Herd h;
  rt::Config config;
  config.workers = workers;
  config.stall_threshold = std::chrono::milliseconds(0);  // main spawns for a while on purpose
  rt::run([&] { herd_main(h, count, compact); }, config);
  f.parked = h.parked.load();
  f.spawned = h.spawned;
  f.tasks_parked = h.tasks_parked;
  f.rss_parked = h.rss_parked;
  f.spawn_ns = h.spawn_ns;
  f.spawn_cpu_ns = h.spawn_cpu_ns;
  f.wake_ns = h.wake_ns;
  f.guarded = h.stats.guarded_stacks;
  f.reserved = h.stats.stacks_reserved;
  f.budget = h.stats.guard_budget;
  std::snprintf(f.refused, sizeof f.refused, "%s", h.refused.c_str());
  return f;
}

}  // namespace

HerdView park_herd(LessonContext& ctx, long long count, int workers, bool compact,
                   StackView& stack) {
  HerdView v;
  v.requested = count;
  v.workers = workers > 0 ? workers : static_cast<int>(ctx.allowed_cpus().size());
  const auto got = in_child<HerdFigures>([&] { return herd_child(count, workers, compact); });
  LessonContext::check_interrupted();
  if (!got) {
    ctx.warn(fmt::format("the child that parks {} goroutines{} failed; no figures from it",
                         report::format_count(count), compact ? " (compact)" : ""));
    return v;
  }
  const HerdFigures& h = *got;
  v.parked = h.parked;
  v.refused = h.refused;
  v.threads_before = h.tasks_before;
  v.threads_while_parked = h.tasks_parked;
  if (v.parked > 0) {
    v.rss_per_goroutine =
        std::max(0.0, h.rss_parked - h.rss_before) / static_cast<double>(v.parked);
    // CPU time of the whole process (every worker) while main spawned: on a loaded machine
    // the wall time also counts the turns other programs took.
    v.ns_per_spawn = static_cast<double>(h.spawn_cpu_ns) / static_cast<double>(h.spawned);
    v.wall_ns_per_spawn = static_cast<double>(h.spawn_ns) / static_cast<double>(h.spawned);
    const double wake = static_cast<double>(h.wake_ns) / static_cast<double>(v.parked);
    (compact ? stack.wake_compact_ns : stack.wake_default_ns) = wake;
    (compact ? stack.compact_bytes : stack.default_bytes) = v.rss_per_goroutine;
    stack.reserved_bytes = static_cast<double>(rt::Config{}.stack_size);
  }
  if (!compact) {
    auto& m = ctx.measure(
        "ns_per_spawn", "go(): CPU time per spawn", "ns", {v.ns_per_spawn},
        fmt::format("process CPU time (all workers) while main made {} go() calls, divided by "
                    "the count; wall time per spawn was {}",
                    report::format_count(h.spawned), report::format_ns(v.wall_ns_per_spawn)));
    if (v.wall_ns_per_spawn > kDisturbedWallToCpu * v.ns_per_spawn) {
      m.trusted = false;
      m.caveat = "the wall time was many times the CPU time: other programs held the CPUs";
    }
    ctx.measure("rss_per_goroutine", "resident bytes per parked goroutine", "B",
                {v.rss_per_goroutine},
                "in a fresh child process: VmRSS with all parked minus VmRSS before run(), "
                "divided by the count (Go's own way to measure it)");
    ctx.measure("stack_guards", "goroutine stacks with a guard page", "",
                {static_cast<double>(h.guarded)},
                fmt::format("of {} stacks reserved; the guard budget is a quarter of "
                            "vm.max_map_count ({}); the others are protected by a canary",
                            report::format_count(static_cast<std::int64_t>(h.reserved)),
                            report::format_count(static_cast<std::int64_t>(h.budget))));
  }
  return v;
}

void thread_herd(LessonContext& ctx, int count, HerdView& v) {
  const double rss0 = rss_bytes();
  os::ParkedThreads group;
  std::vector<double> create_ns;
  int error = 0;
  for (int i = 0; i < count; ++i) {
    if (i % 64 == 0) {
      LessonContext::check_interrupted();
    }
    const auto t0 = os::monotonic_ns();
    error = group.start([&group] { group.park(); });
    if (error != 0) {
      break;
    }
    create_ns.push_back(static_cast<double>(os::monotonic_ns() - t0));
  }
  v.threads_created = static_cast<int>(create_ns.size());
  group.wait_parked(create_ns.size(), kThreadsParkLimit);
  const double rss1 = rss_bytes();
  group.join_all();
  if (error != 0) {
    ctx.warn(
        fmt::format("thread creation failed after {} threads: {} (the lesson goes on with "
                    "those)",
                    v.threads_created, std::strerror(error)));
  }
  if (v.threads_created > 0) {
    v.rss_per_thread = std::max(0.0, rss1 - rss0) / v.threads_created;
    v.ns_per_thread = report::median(create_ns);
  }
  ctx.measure("ns_per_thread", "pthread_create: time per thread", "ns", create_ns,
              "each pthread_create timed on its own; the thread parks on a condition variable");
  ctx.measure(
      "rss_per_thread", "resident bytes per parked thread", "B", {v.rss_per_thread},
      fmt::format("VmRSS with {} threads parked minus before, divided by the count; "
                  "each reserves {} of stack",
                  v.threads_created,
                  report::format_bytes(static_cast<double>(os::default_thread_stack_bytes()))));
}

namespace {

constexpr std::size_t kFrameBytes = 256;
constexpr int kGoroutinesPerDepth = 256;

// Recursion with a frame of kFrameBytes, touched, then a park at the bottom.
[[gnu::noinline]] int descend(int depth, rt::WaitGroup& gate, std::atomic<int>& arrived) {
  volatile char frame[kFrameBytes];
  frame[0] = static_cast<char>(depth);
  frame[kFrameBytes - 1] = frame[0];
  if (depth == 0) {
    arrived.fetch_add(1, std::memory_order_relaxed);
    gate.wait();
    return frame[0];
  }
  return descend(depth - 1, gate, arrived) + frame[kFrameBytes - 1];
}

constexpr std::array<int, 5> kDepths = {0, 16, 48, 96, 160};
struct GrowthFigures {
  std::array<double, kDepths.size()> bytes{};
};

// One child, one worker: for each depth in turn, kGoroutinesPerDepth goroutines recurse to it
// and park, and stay parked, so every group has fresh stacks; the RSS step per group / count.
GrowthFigures growth_child() {
  GrowthFigures g;
  std::atomic<int> arrived{0};
  rt::Config config;
  config.workers = 1;
  rt::run(
      [&] {
        rt::WaitGroup gate, exited;
        gate.add(1);
        for (std::size_t d = 0; d < kDepths.size(); ++d) {
          const double before = rss_bytes();
          for (int i = 0; i < kGoroutinesPerDepth; ++i) {
            exited.add(1);
            rt::go([&, depth = kDepths[d]] {
              descend(depth, gate, arrived);
              exited.done();
            });
          }
          const int target = static_cast<int>(d + 1) * kGoroutinesPerDepth;
          while (arrived.load(std::memory_order_relaxed) < target) {
            rt::sleep_for(kPoll);
          }
          g.bytes[d] = std::max(0.0, rss_bytes() - before) / kGoroutinesPerDepth;
        }
        gate.done();
        exited.wait();
      },
      config);
  return g;
}

}  // namespace

void stack_growth(LessonContext& ctx, StackView& stack) {
  report::Table t;
  t.id = "stack_growth";
  t.title = "A goroutine's resident memory by recursion depth";
  t.columns = {"depth", "stack used (approx.)", "resident per goroutine", "pages"};
  const auto got = in_child<GrowthFigures>(growth_child);
  LessonContext::check_interrupted();
  if (!got) {
    ctx.warn("the child that measures stack growth failed; no figures from it");
    return;
  }
  const double first = got->bytes.front(), last = got->bytes.back();
  for (std::size_t d = 0; d < kDepths.size(); ++d) {
    const int depth = kDepths[d];
    const double b = got->bytes[d];
    t.rows.push_back({static_cast<std::int64_t>(depth),
                      report::format_bytes(static_cast<double>(depth) * kFrameBytes),
                      report::format_bytes(b), b / 4096.0});
  }
  stack.grows_with_depth = last > first + 4096;
  t.note = fmt::format(
      "{} goroutines per depth, each recursing with {}-byte frames and parking at the bottom, "
      "all in a fresh child; VmRSS step per group / count. The 64 KiB reservation does not move: "
      "the kernel commits a page "
      "the first time the stack reaches it.",
      kGoroutinesPerDepth, kFrameBytes);
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::goroutines
