// Lesson `stack`, a goroutine's stack beside a thread's: what conc::rt reserves for one, what
// it touches, which protection it has (guard page or canary), and how deep the same recursion
// gets before it overflows, in a child process that the runtime's fatal error ends.

#include <alloca.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "lessons/common/lesson.h"
#include "lessons/stack/overflow.h"
#include "lessons/stack/stack.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/task_parse.h"
#include "os/sys/child.h"
#include "os/sys/pipe.h"
#include "os/sys/shared_memory.h"
#include "os/sys/thread_stack.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::stack {

namespace {

using std::chrono::milliseconds;
constexpr auto kChildLimit = milliseconds(5000);
constexpr std::uint64_t kPage = 4096;
// As on the thread: write 16 KiB, a little below the frame so the page it shares with the
// runtime's control block is not counted (the file is built without stack-clash probes, so
// the skipped bytes stay untouched).
constexpr std::size_t kGoTouchBytes = 16 * kKiB;
constexpr std::size_t kGoSkipBytes = 8 * kKiB;
constexpr int kNoOverflow = 43;
constexpr std::size_t kMaxStderr = 4096;

// What the child measured, in memory shared with the parent.
struct GoroutineShared {
  std::atomic<std::uint64_t> reserved{0}, window{0}, guard{0};
  std::atomic<std::uint64_t> before{0}, after{0};
  std::atomic<std::uint64_t> guarded_stacks{0}, stacks_reserved{0}, guard_budget{0};
  std::atomic<bool> measured{false};
  OverflowShared overflow;
};

[[gnu::noinline]] void touch_goroutine_stack(GoroutineShared& s, std::uint64_t lo,
                                             std::uint64_t bytes) {
  auto* region = static_cast<volatile char*>(alloca(kGoSkipBytes + kGoTouchBytes));
  s.before.store(os::resident_bytes(lo, bytes));
  for (std::size_t i = 0; i < kGoTouchBytes; i += 64) {
    region[i] = 1;  // the lowest kGoTouchBytes of the block: the deepest part
  }
  s.after.store(os::resident_bytes(lo, bytes));
}

// Runs in the goroutine: finds its own stack in /proc/self/maps (a guard page splits the
// chunk's mapping, so a guarded stack is a mapping of its own), then measures and touches it.
void measure_own_stack(GoroutineShared& s) {
  volatile char local = 0;
  const auto here = reinterpret_cast<std::uintptr_t>(&local);
  const auto reserved = rt::Config{}.stack_size;
  const auto maps = os::read_maps(::getpid());
  const auto m = os::find_mapping(maps, here);
  const auto st = rt::stats();
  s.reserved.store(reserved);
  s.guarded_stacks.store(st.guarded_stacks);
  s.stacks_reserved.store(st.stacks_reserved);
  s.guard_budget.store(st.guard_budget);
  if (!m) {
    return;
  }
  const auto g = os::guard_below(maps, *m);
  s.guard.store(g ? maps[*g].end - maps[*g].start : 0);
  // Without a guard the mapping holds neighbours too: count only this stack's span, from the
  // page above the local down to where a stack of `reserved` bytes would end.
  const std::uint64_t top = std::min(maps[*m].end, (here / kPage + 1) * kPage);
  const std::uint64_t lo =
      g ? maps[*m].start : std::max(maps[*m].start, top - (reserved - 2 * kPage));
  s.window.store(top - lo);
  touch_goroutine_stack(s, lo, top - lo);
  s.measured.store(true);
}

int goroutine_child(GoroutineShared* shared, int stderr_fd) {
  ::dup2(stderr_fd, STDERR_FILENO);  // the runtime's fatal error goes to the parent
  g_overflow = &shared->overflow;
  rt::Config config;
  config.workers = 1;
  rt::run(
      [shared] {
        rt::WaitGroup done;
        done.add(1);
        rt::go([shared, &done] {
          measure_own_stack(*shared);
          recurse(1);  // ends the process: the runtime reports the overflow and exits 2
          done.done();
        });
        done.wait();
      },
      config);
  return kNoOverflow;
}

// What the child wrote to its stderr, once it has ended (the write end is closed here).
std::string drain(int fd) {
  std::string text;
  char buf[512];
  pollfd p{fd, POLLIN, 0};
  while (text.size() < kMaxStderr && ::poll(&p, 1, 100) > 0) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// The runtime's "fatal error" line, or the first line when there is none.
std::string fatal_line(const std::string& text) {
  std::string first;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = std::min(text.find('\n', at), text.size());
    std::string line = text.substr(at, nl - at);  // not const: returned by move
    if (line.find("fatal error") != std::string::npos) {
      return line;
    }
    if (first.empty()) {
      first = line;
    }
    at = nl + 1;
  }
  return first;
}

}  // namespace

GoroutineStackRow goroutine_stack_row(LessonContext& ctx) {
  LessonContext::check_interrupted();
  os::Shared<GoroutineShared> shared_page;
  GoroutineShared* shared = &*shared_page;
  os::Pipe err;
  auto child = os::ChildProcess::spawn([&] { return goroutine_child(shared, err.write_fd()); });
  err.close_write();
  auto status = child.wait_for(kChildLimit);
  if (!status) {
    status = child.kill();
  }
  LessonContext::check_interrupted();
  const std::string text = drain(err.read_fd());
  GoroutineStackRow r;
  r.measured = shared->measured.load();
  r.reserved = shared->reserved.load();
  r.guard = shared->guard.load();
  r.window = shared->window.load();
  r.before = shared->before.load();
  r.growth = r.measured ? shared->after.load() - std::min(shared->after.load(), r.before) : 0;
  r.guarded_stacks = shared->guarded_stacks.load();
  r.guard_budget = shared->guard_budget.load();
  r.stacks_reserved = shared->stacks_reserved.load();
  r.depth = shared->overflow.depth.load();
  const auto first = shared->overflow.first_frame.load();
  const auto deepest = shared->overflow.deepest_frame.load();
  if (r.depth > 1 && first > deepest) {
    r.bytes_per_frame = static_cast<double>(first - deepest) / static_cast<double>(r.depth - 1);
  }
  r.ended = status->describe();
  r.fatal = fatal_line(text);
  r.runtime_caught =
      status->exited && status->code == 2 && r.fatal.find("stack overflow") != std::string::npos;
  if (!r.measured) {
    ctx.warn(fmt::format("the goroutine stack child ended before measuring ({})", r.ended));
  }
  return r;
}

}  // namespace conc::lessons::stack

namespace conc::lessons::stack {

namespace {

report::Value depth_cell(long depth, bool ended_by_overflow) {
  return ended_by_overflow ? report::Value(static_cast<std::int64_t>(depth))
                           : report::Value(std::string("-"));
}

std::string protection_text(const GoroutineStackRow& g) {
  return g.guard > 0 ? "guard page" : "canary word";
}

void add_goroutine_measurements(LessonContext& ctx, const GoroutineStackRow& g) {
  const std::string where =
      fmt::format("mincore() over the goroutine's own stack ({}), found in /proc/self/maps",
                  bytes_text(g.window));
  ctx.measure("goroutine_stack_reserved_bytes", "goroutine stack reserved", "B",
              {static_cast<double>(g.reserved)}, "rt::Config::stack_size, the runtime's default");
  ctx.measure("goroutine_stack_resident_at_start_bytes", "goroutine stack resident at start", "B",
              {static_cast<double>(g.before)}, where + ", before the write");
  ctx.measure("goroutine_stack_growth_16k_bytes", "goroutine stack growth after using 16 KiB", "B",
              {static_cast<double>(g.growth)}, where + ", after writing 16 KiB");
  ctx.measure("overflow_depth_goroutine", "frames until overflow, goroutine", "",
              {static_cast<double>(g.depth)},
              "the thread's recursion, in a goroutine, one child; depth written to shared memory "
              "at every call");
}

}  // namespace

void goroutine_stack_experiment(LessonContext& ctx, const ThreadStackFigures& thread,
                                const OverflowPair& overflow) {
  const auto g = goroutine_stack_row(ctx);
  ctx.explain(
      "A goroutine's stack beside a thread's",
      fmt::format(
          "A child process runs conc::rt on one worker; a goroutine finds its own stack "
          "in /proc/self/maps, counts its resident pages with mincore(), uses 16 KiB "
          "and counts again, then runs the same recursion as the threads above until "
          "its stack runs out. The runtime reserves {} per goroutine; the first stacks "
          "get a guard page, up to a budget of {} (a quarter of vm.max_map_count, since "
          "each guard costs the kernel a mapping); the others get a canary word below "
          "the stack, checked at every switch. Of the {} stacks this child reserved, {} had a "
          "guard page.",
          bytes_text(g.reserved), report::format_count(static_cast<std::int64_t>(g.guard_budget)),
          g.stacks_reserved, g.guarded_stacks));
  if (!g.measured) {
    return;
  }
  add_goroutine_measurements(ctx, g);
  report::Table t{"stack_kinds",
                  "Thread and goroutine stacks",
                  {"stack", "reserved", "at start", "+16 KiB use", "protection", "frames"},
                  {},
                  ""};
  // The default thread's row takes the 8 MiB overflow's depth only when that is its size.
  const bool same_size =
      overflow.big.stack_bytes >= static_cast<std::uint64_t>(thread.reserved) &&
      overflow.big.stack_bytes - static_cast<std::uint64_t>(thread.reserved) < 64 * kKiB;
  t.rows.push_back(
      {std::string("thread (default)"), bytes_text(static_cast<std::uint64_t>(thread.reserved)),
       bytes_text(static_cast<std::uint64_t>(thread.before)),
       bytes_text(static_cast<std::uint64_t>(thread.growth)), std::string("guard page"),
       depth_cell(overflow.big.depth, same_size && overflow.big.overflowed)});
  t.rows.push_back({std::string("thread, 64 KiB"), bytes_text(overflow.small.stack_bytes),
                    std::string("-"), std::string("-"), std::string("guard page"),
                    depth_cell(overflow.small.depth, overflow.small.overflowed)});
  t.rows.push_back({std::string("goroutine"), bytes_text(g.reserved), bytes_text(g.before),
                    bytes_text(g.growth), protection_text(g), depth_cell(g.depth, g.depth > 0)});
  t.note = fmt::format(
      "At start and +16 KiB use: resident bytes (mincore). Frames: depth of the same recursion "
      "at the overflow, {} bytes per frame on the goroutine. The goroutine's child ended with "
      "{}; the runtime printed: \"{}\"",
      report::format_number(g.bytes_per_frame), g.ended,
      g.fatal.empty() ? std::string("nothing") : g.fatal);
  ctx.report().add(std::move(t));
  if (!g.runtime_caught) {
    ctx.warn(
        fmt::format("the goroutine's overflow did not end with the runtime's fatal error "
                    "({}): a sanitizer build takes the fault itself",
                    g.ended));
  }
}

}  // namespace conc::lessons::stack
