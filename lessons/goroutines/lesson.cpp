// Lesson `goroutines` (C28, C29, C30, C31, C34, C35): many parked goroutines against threads
// and the kernel's view (many.cpp), the cost of a bound check per call (calls.cpp), switches,
// M:N and a blocked worker (sched.cpp); verdict rules in verdicts.cpp.

#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "lessons/common/lesson.h"
#include "lessons/goroutines/goroutines.h"
#include "os/procfs/limits.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

namespace gr = goroutines;

constexpr long long kDefaultCount = 100'000, kQuickCount = 10'000, kFullCount = 1'000'000;
constexpr long long kMaxCount = 10'000'000;
// The compact herd is the same size up to this (quick, default, --full): its per-goroutine
// figures do not change with the count, while each compaction costs a copy and a madvise
// (whose TLB shootdown interrupts the other CPUs) and each wake-up a page fault: at 100,000 it
// was the slowest part of a default run. A thousand still moves VmRSS by a megabyte.
constexpr long long kCompactCountQuick = 1'000, kCompactCount = 4'000, kCompactCountFull = 100'000;
constexpr int kDefaultThreads = 2'000, kQuickThreads = 300, kMaxThreads = 16'384;
constexpr long kCalls = 100'000'000, kQuickCalls = 10'000'000;
constexpr int kMnGoroutines = 16;
constexpr int kMaxWorkers = 256;

// A quarter of the tightest limit on tasks, so the machine keeps room for everything else.
int thread_cap() {
  const auto caps = os::read_task_caps();
  long long tightest = kMaxThreads * 4LL;
  for (const auto& c : {caps.threads_max, caps.pid_max, caps.cgroup_pids_max}) {
    if (c) {
      tightest = std::min(tightest, *c);
    }
  }
  const auto nproc = os::get_rlimit(RLIMIT_NPROC);
  if (nproc.soft) {
    tightest = std::min<long long>(tightest, static_cast<long long>(*nproc.soft));
  }
  return static_cast<int>(std::max(1LL, tightest / 4));
}

void explain_claims(LessonContext& ctx) {
  ctx.explain(
      "The claims",
      "C28: goroutines are user-space threads managed by a runtime. C31: hundreds of thousands "
      "fit in one address space. C29: they start with a ~2 KB stack that grows and shrinks. "
      "C30: that costs about 3 instructions per function call. C34: the runtime chooses what "
      "to save on a switch. C35: the runtime creates worker OS threads and runs the goroutines "
      "on them (M:N: M goroutines on N threads).\n\n"
      "conc::rt is this project's goroutine runtime for C++: a goroutine is a function with a "
      "stack of its own; W worker threads (Go's GOMAXPROCS) take turns running them, switching "
      "in user space when one blocks on a channel or lock, sleeps or yields. A parked goroutine "
      "is one waiting for such an event: it costs memory, no CPU.");
}

class GoroutinesLesson final : public Lesson {
 public:
  std::string_view name() const override { return "goroutines"; }
  std::string_view title() const override {
    return "Goroutines: many, cheap, M:N on a few threads, and what that costs";
  }
  std::vector<std::string_view> claims() const override {
    return {"C28", "C29", "C30", "C31", "C34", "C35"};
  }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--count", count_, "Goroutines to park (default 100,000; quick 10,000)")
        ->type_name("N")
        ->check(whole_number(1, kMaxCount));
    cmd.add_flag("--full", full_, "Park 1,000,000 goroutines");
    cmd.add_option("--threads", threads_,
                   "OS threads to compare with (default 2,000; at most a quarter of the "
                   "tightest task limit)")
        ->type_name("N")
        ->check(whole_number(1, kMaxThreads));
    cmd.add_option("--workers", workers_, "Worker threads (default: the CPUs allowed)")
        ->type_name("N")
        ->check(whole_number(1, kMaxWorkers));
  }
  void run(LessonContext& ctx) override;

 private:
  void many(LessonContext& ctx, gr::HerdView& herd, gr::StackView& stack) const;
  long long count_ = 0;
  bool full_ = false;
  int threads_ = 0;
  int workers_ = 0;
};

void GoroutinesLesson::many(LessonContext& ctx, gr::HerdView& herd, gr::StackView& stack) const {
  const long long count =
      count_ > 0 ? count_ : (full_ ? kFullCount : ctx.size(kDefaultCount, kQuickCount));
  ctx.predict({"rss_per_goroutine",
               fmt::format("{} goroutines are started and left waiting. How many bytes of "
                           "memory does each one take?",
                           report::format_count(count)),
               "bytes per parked goroutine", "B", 1, 100'000'000, median_of("rss_per_goroutine")});
  ctx.progress(fmt::format("parking {} goroutines", report::format_count(count)));
  herd = gr::park_herd(ctx, count, workers_, false, stack);
  if (!herd.refused.empty()) {
    ctx.warn(fmt::format("spawning stopped at {} goroutines: {}", report::format_count(herd.parked),
                         herd.refused));
  }
  const long long compact_cap =
      full_ ? kCompactCountFull : ctx.size(kCompactCount, kCompactCountQuick);
  ctx.progress("parking goroutines in compact mode");
  gr::HerdView compact = gr::park_herd(
      ctx, std::min(herd.parked > 0 ? herd.parked : count, compact_cap), workers_, true, stack);
  if (herd.parked > 0) {
    ctx.measure("wake_ns_default", "wake-up and finish per goroutine, default", "ns",
                {stack.wake_default_ns}, "one wg.done() releases the herd; time until all ended");
  }
  if (compact.parked > 0) {
    ctx.measure("rss_per_goroutine_compact", "resident bytes per parked compact goroutine", "B",
                {compact.rss_per_goroutine},
                fmt::format("{} goroutines spawned with SpawnOptions{{.compact_when_parked = "
                            "true}}, in a fresh child, measured once the runtime had copied "
                            "their stacks out",
                            report::format_count(compact.parked)));
    ctx.measure("wake_ns_compact", "wake-up and finish per goroutine, compact", "ns",
                {stack.wake_compact_ns},
                "the same; each compact goroutine first gets its stack copied back (page fault "
                "and copy)");
  }
  const int cap = thread_cap();
  int threads = threads_ > 0 ? threads_ : ctx.size(kDefaultThreads, kQuickThreads);
  if (threads > cap) {
    ctx.warn(
        fmt::format("--threads {} is more than a quarter of the tightest task limit; {} "
                    "threads are used",
                    threads, cap));
    threads = cap;
  }
  gr::thread_herd(ctx, threads, herd);

  report::Table t;
  t.id = "many";
  t.title = "Parked goroutines against parked threads";
  t.columns = {"", "count", "resident each", "reserved each", "time each"};
  t.rows.push_back({std::string("goroutines"), static_cast<std::int64_t>(herd.parked),
                    report::format_bytes(herd.rss_per_goroutine),
                    report::format_bytes(stack.reserved_bytes),
                    report::format_ns(herd.ns_per_spawn)});
  t.rows.push_back({std::string("compact goroutines"), static_cast<std::int64_t>(compact.parked),
                    report::format_bytes(compact.rss_per_goroutine),
                    report::format_bytes(stack.reserved_bytes),
                    report::format_ns(compact.ns_per_spawn)});
  t.rows.push_back({std::string("Go's starting stack"), std::string("-"),
                    report::format_bytes(stack.go_bytes), report::format_bytes(stack.go_bytes),
                    std::string("-")});
  t.rows.push_back({std::string("OS threads"), static_cast<std::int64_t>(herd.threads_created),
                    report::format_bytes(herd.rss_per_thread),
                    report::format_bytes(static_cast<double>(os::default_thread_stack_bytes())),
                    report::format_ns(herd.ns_per_thread)});
  t.note = fmt::format(
      "Time each: CPU time per go(), wall time per pthread_create. While the {} goroutines "
      "were parked, /proc/self/task listed {} threads ({} before run()).",
      report::format_count(herd.parked), herd.threads_while_parked, herd.threads_before);
  ctx.report().add(std::move(t));
}

void GoroutinesLesson::run(LessonContext& ctx) {
  // Each experiment is a part: --step pauses on its section before it runs, and may skip it
  // (the verdicts that rest on it are then missing) or run it again.
  gr::HerdView herd;
  gr::StackView stack;
  const bool herd_ran = ctx.part([&] {
    explain_claims(ctx);
    many(ctx, herd, stack);
  });

  const bool growth_ran = ctx.part([&] {
    ctx.explain("The 2 KB stack, honestly",
                "Go starts a goroutine on a 2 KiB stack and, when it runs out, copies it to one "
                "twice as big: its compiler knows every pointer into the stack and can fix them. "
                "C++ cannot move a stack (any pointer to a local would dangle), so conc::rt "
                "reserves 64 KiB of address space per goroutine and the kernel commits a 4 KiB "
                "page when the stack first touches it. The opt-in compact mode copies a parked "
                "goroutine's used stack to the heap and gives the page back, and copies it back "
                "before it runs again.");
    ctx.progress("goroutines: resident memory by recursion depth");
    gr::stack_growth(ctx, stack);
  });

  std::optional<gr::CallCheckView> calls;
  ctx.part([&] {
    ctx.explain("A bound check in every call",
                "Go's growable stacks need a check in every function prologue: is there room "
                "for this frame? If not, grow the stack first. conc::rt has no check: a fixed "
                "stack whose overflow hits a guard page (an unmapped page that faults) or, when "
                "vm.max_map_count leaves no room for more guards, a canary word checked at each "
                "switch.");
    ctx.progress("goroutines: calls with and without a bound check");
    calls = gr::call_check(ctx, ctx.size(kCalls, kQuickCalls));
  });

  std::optional<gr::SwitchView> sw;
  ctx.part("a goroutine switch against a thread switch", [&] {
    ctx.progress("goroutines: a goroutine switch against a thread switch");
    sw = gr::switch_costs(ctx);
  });

  std::optional<gr::MnView> mn;
  ctx.part([&] {
    ctx.explain("M:N",
                fmt::format("{} goroutines, each computing in 20 chunks with a yield after each, "
                            "on the runtime's workers. A steal is a worker taking a goroutine "
                            "from another worker's queue; a migration is a goroutine running on "
                            "a different worker than last time.",
                            kMnGoroutines));
    ctx.progress(fmt::format("goroutines: {} goroutines on the runtime's workers", kMnGoroutines));
    mn = gr::mn_schedule(ctx, workers_, kMnGoroutines);
  });

  ctx.part([&] {
    ctx.explain("Blocking the worker",
                "A goroutine that makes a blocking system call (or takes a std::mutex) blocks "
                "its whole worker thread: the goroutines queued behind it wait too. The runtime "
                "reports a goroutine that held its worker over 10 ms (a stall). The right way "
                "is the runtime's own primitives (rt::sleep_for, channels, rt::Mutex), which "
                "park the goroutine and free the worker. More workers help only the goroutines "
                "another worker can take over: the third row measures whether they did here.");
    ctx.progress("goroutines: a blocking call stalls its worker");
    gr::blocking_worker(ctx);
  });

  if (herd_ran) {
    ctx.verdict(gr::judge_c28(herd));
  }
  if (herd_ran && growth_ran) {
    ctx.verdict(gr::judge_c29(stack));
  }
  if (calls) {
    ctx.verdict(gr::judge_c30(*calls));
  }
  if (herd_ran) {
    ctx.verdict(gr::judge_c31(herd));
  }
  if (sw) {
    ctx.verdict(gr::judge_c34(*sw));
  }
  if (mn) {
    ctx.verdict(gr::judge_c35(*mn));
  }
}

}  // namespace

std::unique_ptr<Lesson> make_goroutines_lesson() {
  return std::make_unique<GoroutinesLesson>();
}

}  // namespace conc::lessons
