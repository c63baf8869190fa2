// Lesson `process` (C04-C07): two children of this very program, their pids, executable and
// separate memory; what the kernel keeps per process; the main thread; threads coming and going.

#include "lessons/process/process.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstring>
#include <thread>

#include "lessons/common/lesson.h"
#include "os/procfs/proc_read.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/pipe.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using std::chrono::milliseconds;
constexpr auto kChildTimeout = milliseconds(5000);
constexpr int kOriginal = 7;
constexpr int kWritten = 42;
constexpr int kMaxThreads = 64;

// Both children start with a copy of this; volatile so each access really touches memory.
volatile int g_marker = kOriginal;

// What a child reports back through a pipe: plain bytes.
struct ChildReport {
  long pid = 0, ppid = 0, tid = 0;
  unsigned long long marker_address = 0;
  int marker_seen = 0;
  char cwd[256] = {};
};

struct ThreadReport {
  long pid = 0, tid = 0, threads = 0, task_entries = 0;
  int started = 0;
  long counts[kMaxThreads] = {};
  long tasks[kMaxThreads] = {};
  long after_join = 0;
  double settle_ms = 0;  // time for the count to drop after the last join
};

long threads_now() {
  auto st = os::read_status(::getpid());
  return st && st->threads ? *st->threads : -1;
}

// Child A: write the marker, move to another directory, tell B, stay alive until released.
int writer_child(os::Pipe& results, os::Pipe& to_reader, os::Pipe& release,
                 const std::string& target) {
  g_marker = kWritten;
  ChildReport r;
  r.pid = ::getpid();
  r.ppid = ::getppid();
  r.marker_address = reinterpret_cast<std::uintptr_t>(&g_marker);
  r.marker_seen = g_marker;
  if (::chdir(target.c_str()) == 0 && ::getcwd(r.cwd, sizeof r.cwd) == nullptr) {
    r.cwd[0] = '\0';
  }
  const char go = 1;
  if (!results.send(r) || !to_reader.write_all(&go, 1)) {
    return 1;
  }
  release.close_write();
  return release.wait_for_close(kChildTimeout) ? 0 : 2;
}

// Child B: once A has written, read the marker at the same address.
int reader_child(os::Pipe& results, os::Pipe& to_reader, os::Pipe& release) {
  char go = 0;
  to_reader.close_write();
  if (!to_reader.read_exact(&go, 1, kChildTimeout)) {
    return 1;
  }
  ChildReport r;
  r.pid = ::getpid();
  r.ppid = ::getppid();
  r.marker_address = reinterpret_cast<std::uintptr_t>(&g_marker);
  r.marker_seen = g_marker;
  if (::getcwd(r.cwd, sizeof r.cwd) == nullptr) {
    r.cwd[0] = '\0';
  }
  if (!results.send(r)) {
    return 1;
  }
  release.close_write();
  return release.wait_for_close(kChildTimeout) ? 0 : 2;
}

// Child C: a fresh single-threaded process; start threads one by one and count them.
int thread_child(os::Pipe& results, int n) {
  ThreadReport r;
  r.pid = ::getpid();
  r.tid = os::current_tid();
  r.threads = threads_now();
  r.task_entries = static_cast<long>(os::list_tasks(::getpid()).size());
  os::Pipe hold;  // the threads block reading it until we close its write end
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&hold] {
      char byte = 0;
      [[maybe_unused]] auto got = ::read(hold.read_fd(), &byte, 1);
    });
    // The new task exists once clone() returns, so the count is exact right away.
    r.counts[i] = threads_now();
    r.tasks[i] = static_cast<long>(os::list_tasks(::getpid()).size());
    r.started = i + 1;
  }
  hold.close_write();
  for (auto& t : threads) {
    t.join();
  }
  // join returns when the thread has cleared its tid; the kernel drops it from the thread
  // group a moment later, so wait (boundedly) for the count to settle.
  const auto t0 = os::monotonic_ns();
  r.after_join = threads_now();
  while (r.after_join != 1 && os::monotonic_ns() - t0 < 200'000'000) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    r.after_join = threads_now();
  }
  r.settle_ms = static_cast<double>(os::monotonic_ns() - t0) / 1e6;
  return results.send(r) ? 0 : 1;
}

// A /proc/<pid>/status size in KiB, for people; "unreadable" when the field was not there.
std::string kib_text(std::optional<long long> kib) {
  return kib ? report::format_bytes(static_cast<double>(*kib) * 1024) : std::string("unreadable");
}

// One child that exits at once, waited for without polling (ChildProcess sleeps on a pidfd,
// so the figure is fork + exit + the wake-up, not a polling period): its wall time. `polled`
// becomes true if pidfd_open was unavailable and the wait had to poll.
double fork_exit_wait_ns(bool& polled) {
  const auto t0 = os::monotonic_ns();
  auto child = os::ChildProcess::spawn([] { return 0; });
  const auto status = child.wait_for(kChildTimeout);
  const auto elapsed = static_cast<double>(os::monotonic_ns() - t0);
  polled = polled || !child.waited_on_pidfd();
  if (!status || !status->exited || status->code != 0) {
    throw std::runtime_error("a child that should exit at once ended otherwise (" +
                             (status ? status->describe() : child.kill().describe()) + ")");
  }
  return elapsed;
}

std::string exe_of(long pid) {
  return os::read_exe(static_cast<pid_t>(pid)).value_or("?");
}
std::string cwd_of(long pid) {
  return os::read_cwd(static_cast<pid_t>(pid)).value_or("?");
}

// What experiment 1 saw: both children's reports and /proc entries, read while they lived.
struct TwoChildren {
  std::string target;
  ChildReport a, b;
  process::MarkerView writer, reader;
  std::string writer_cwd, parent_cwd, parent_exe;
  int parent_value = 0;
};

TwoChildren run_two_children(const std::string& target) {
  os::Pipe results_a, results_b, to_reader, release;
  auto a =
      os::ChildProcess::spawn([&] { return writer_child(results_a, to_reader, release, target); });
  auto b = os::ChildProcess::spawn([&] { return reader_child(results_b, to_reader, release); });
  to_reader.close_write();
  TwoChildren seen;
  seen.target = target;
  const bool got_a = results_a.receive(seen.a, kChildTimeout);
  if (!got_a || !results_b.receive(seen.b, kChildTimeout)) {
    throw std::runtime_error("a child of the process lesson did not report (" +
                             (got_a ? b : a).kill().describe() + ")");
  }
  // Read /proc while both are alive, then release them.
  seen.writer = {seen.a.pid, exe_of(seen.a.pid), seen.a.marker_address, seen.a.marker_seen};
  seen.reader = {seen.b.pid, exe_of(seen.b.pid), seen.b.marker_address, seen.b.marker_seen};
  seen.writer_cwd = cwd_of(seen.a.pid);
  seen.parent_cwd = cwd_of(::getpid());
  seen.parent_exe = exe_of(::getpid());
  seen.parent_value = g_marker;
  release.close_write();
  a.wait();
  b.wait();
  return seen;
}

report::Table children_table(const TwoChildren& s) {
  report::Table t{
      "children",
      "Two children of this program",
      {"", "pid", "parent pid", "executable (/proc/<pid>/exe)", "&marker", "marker seen", "cwd"},
      {},
      ""};
  t.rows.push_back({std::string("parent (this lesson)"), std::to_string(::getpid()),
                    std::to_string(::getppid()), s.parent_exe,
                    fmt::format("{:#x}", reinterpret_cast<std::uintptr_t>(&g_marker)),
                    static_cast<std::int64_t>(s.parent_value), s.parent_cwd});
  t.rows.push_back({std::string("child A (writer)"), std::to_string(s.a.pid),
                    std::to_string(s.a.ppid), s.writer.exe,
                    fmt::format("{:#x}", s.a.marker_address),
                    static_cast<std::int64_t>(s.a.marker_seen), s.writer_cwd});
  t.rows.push_back({std::string("child B (reader)"), std::to_string(s.b.pid),
                    std::to_string(s.b.ppid), s.reader.exe,
                    fmt::format("{:#x}", s.b.marker_address),
                    static_cast<std::int64_t>(s.b.marker_seen), std::string(s.b.cwd)});
  t.note =
      "Same address, different values: each process has its own virtual address space, and "
      "fork gave each child a copy (shared copy-on-write until A wrote, then A got its own "
      "page).";
  return t;
}

// "53 mappings, 15.7 MiB: 40 file, 6 anonymous, ..." for /proc/<pid>/maps.
std::string maps_summary(const std::vector<os::Mapping>& maps) {
  std::size_t files = 0, anon = 0, guards = 0, special = 0;
  std::uint64_t mapped = 0;
  for (const auto& m : maps) {
    mapped += m.size();
    if (m.perms.rfind("---", 0) == 0) {
      ++guards;
    } else if (!m.path.empty() && m.path[0] == '[') {
      ++special;
    } else if (!m.path.empty()) {
      ++files;
    } else {
      ++anon;
    }
  }
  return fmt::format(
      "{} mappings, {}: {} file, {} anonymous, {} [stack]/[heap]/[vdso]..., {} guard", maps.size(),
      report::format_bytes(static_cast<double>(mapped)), files, anon, special, guards);
}

class ProcessLesson final : public Lesson {
 public:
  std::string_view name() const override { return "process"; }
  std::string_view title() const override {
    return "A process: a running program with its own memory and environment";
  }
  std::vector<std::string_view> claims() const override { return {"C04", "C05", "C06", "C07"}; }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--threads", threads_, "Threads to start in the fresh process")
        ->type_name("N")
        ->check(whole_number(1, kMaxThreads));
  }
  void run(LessonContext& ctx) override;

 private:
  using Verdicts = std::vector<report::ClaimVerdict>;
  Verdicts two_children(LessonContext& ctx);
  void what_the_kernel_keeps(LessonContext& ctx);
  Verdicts main_thread_and_more(LessonContext& ctx);
  void creation_cost(LessonContext& ctx);
  int threads_ = 8;
};

void ProcessLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "A process is one running instance of a program: the kernel gives it a pid, an "
              "address space of its own, open files, a working directory, limits and an "
              "environment. It starts with one thread (the main thread) and may start more.");
  // The experiments' verdicts are kept for the end of the lesson, in claim order. Each
  // experiment is a part: --step pauses on its section before it runs, and may skip it (its
  // verdicts are then missing) or run it again.
  Verdicts verdicts;
  const auto experiment = [&](const auto& run) {
    Verdicts found;
    ctx.part([&] { found = run(); });
    for (auto& v : found) {
      verdicts.push_back(std::move(v));
    }
    LessonContext::check_interrupted();
  };
  experiment([&] { return two_children(ctx); });
  what_the_kernel_keeps(ctx);
  LessonContext::check_interrupted();
  experiment([&] { return main_thread_and_more(ctx); });
  ctx.part([&] { creation_cost(ctx); });
  std::stable_sort(verdicts.begin(), verdicts.end(),
                   [](const auto& a, const auto& b) { return a.claim < b.claim; });
  for (auto& v : verdicts) {
    ctx.verdict(std::move(v));
  }
}

ProcessLesson::Verdicts ProcessLesson::two_children(LessonContext& ctx) {
  ctx.explain("Experiment 1: one program, two processes",
              "conc-lab forks twice (fork without exec: each child is a copy of this very "
              "program). Child A stores 42 in a global variable that held 7, then changes its "
              "working directory to /. Child B waits until A has written, then reads the same "
              "variable at the same virtual address.");
  const auto seen = run_two_children("/");
  ctx.report().add(children_table(seen));
  return {process::judge_c04(seen.writer, seen.reader, seen.parent_value, kOriginal, kWritten),
          process::judge_c05(seen.writer_cwd, seen.target, seen.parent_cwd)};
}

void ProcessLesson::what_the_kernel_keeps(LessonContext& ctx) {
  const pid_t pid = ::getpid();
  const auto status = os::read_status(pid);
  const auto environ = os::read_environ(pid).value_or("");
  report::Table t{"proc",
                  fmt::format("What /proc shows of this process (/proc/{})", pid),
                  {"file", "what", "here"},
                  {},
                  ""};
  t.rows = {
      {std::string("maps"), std::string("address-space mappings"),
       maps_summary(os::read_maps(pid))},
      {std::string("status"), std::string("address space mapped (VmSize)"),
       kib_text(status ? status->vm_size_kib : std::nullopt)},
      {std::string("status"), std::string("memory actually resident (VmRSS)"),
       kib_text(status ? status->vm_rss_kib : std::nullopt)},
      {std::string("fd/"), std::string("open file descriptors"),
       fmt::format("{}", os::count_open_fds(pid).value_or(0))},
      {std::string("limits"), std::string("resource limits (ulimit)"),
       fmt::format("{} limits", os::read_limits_count(pid).value_or(0))},
      {std::string("cwd"), std::string("working directory"), cwd_of(pid)},
      {std::string("environ"), std::string("environment (in its own memory)"),
       fmt::format("{} variables, {}", os::count_environ_entries(environ),
                   report::format_bytes(static_cast<double>(environ.size())))},
  };
  t.note =
      "All of this is per process: threads of the process share it, other processes "
      "have their own. The kernel keeps all of it except the environment, which lives in "
      "the process's own memory at the top of its initial stack: /proc/<pid>/environ reads "
      "that range as it was at exec, so later setenv() calls do not show there.";
  ctx.report().add(std::move(t));
}

ProcessLesson::Verdicts ProcessLesson::main_thread_and_more(LessonContext& ctx) {
  const int n = ctx.size(threads_, std::min(threads_, 4));
  ctx.explain("Experiment 2: the main thread, then more threads",
              fmt::format("A fresh child (fork copies only the calling thread, so it starts "
                          "with exactly one) reports its tid and Threads:, then starts {} "
                          "threads one at a time, reading Threads: from /proc/self/status and "
                          "counting /proc/self/task after each, and joins them.",
                          n));
  os::Pipe results;
  auto child = os::ChildProcess::spawn([&] { return thread_child(results, n); });
  ThreadReport r;
  if (!results.receive(r, kChildTimeout)) {
    throw std::runtime_error("the thread-counting child did not report (" +
                             child.kill().describe() + ")");
  }
  child.wait();
  report::BarChart chart{"threads",
                         fmt::format("Threads: of process {} as threads start", r.pid),
                         "threads",
                         false,
                         {}};
  chart.bars.push_back({"fresh process", static_cast<double>(r.threads),
                        fmt::format("Threads: {}  (task/ entries {}, tid {} = pid {})", r.threads,
                                    r.task_entries, r.tid, r.pid)});
  std::vector<long> counts(r.counts, r.counts + r.started);
  for (int i = 0; i < r.started; ++i) {
    chart.bars.push_back({fmt::format("+{} started", i + 1), static_cast<double>(r.counts[i]),
                          fmt::format("Threads: {}  (task/ entries {})", r.counts[i], r.tasks[i])});
  }
  chart.bars.push_back(
      {"after join", static_cast<double>(r.after_join),
       fmt::format("Threads: {}  (settled after {:.2f} ms)", r.after_join, r.settle_ms)});
  ctx.report().add(std::move(chart));
  return {process::judge_c06(r.pid, r.tid, r.threads, r.task_entries),
          process::judge_c07(r.threads, counts, r.after_join)};
}

void ProcessLesson::creation_cost(LessonContext& ctx) {
  const int reps = ctx.repeats(30, 8);
  ctx.explain("What starting one costs here", "");  // first: --step shows it before the timing
  std::vector<double> fork_ns, thread_ns;
  bool polled = false;
  // Warm-up: the first fork pays for page-table copies of pages touched since start.
  fork_exit_wait_ns(polled);
  for (int i = 0; i < reps; ++i) {
    LessonContext::check_interrupted();
    fork_ns.push_back(fork_exit_wait_ns(polled));
    const auto t1 = os::monotonic_ns();
    std::thread([] {}).join();
    thread_ns.push_back(static_cast<double>(os::monotonic_ns() - t1));
  }
  auto& f = ctx.measure(
      "fork_exit_wait_ns", "process: fork + exit + wait", "ns", fork_ns,
      "fork() a child that exits at once; the parent sleeps in ppoll() on the child's pidfd until "
      "it has ended, then reaps it with waitpid(); wall time per child, after one untimed "
      "warm-up");
  if (polled) {
    f.trusted = false;
    f.caveat =
        "pidfd_open was unavailable here, so the parent polled waitpid(WNOHANG) with sleeps of "
        "50 µs and more: the figure includes part of a polling period";
  }
  const auto& t = ctx.measure("thread_create_join_ns", "thread: create + join", "ns", thread_ns,
                              "std::thread with an empty body, joined; wall time per thread");
  ctx.explain("", fmt::format("Starting a process costs {} here against {} for a thread ({}): "
                              "the process needs its own address space, the thread does not.",
                              report::format_ns(f.stats.median), report::format_ns(t.stats.median),
                              report::format_ratio(f.stats.median / t.stats.median)));
}

}  // namespace

std::unique_ptr<Lesson> make_process_lesson() {
  return std::make_unique<ProcessLesson>();
}

}  // namespace conc::lessons
