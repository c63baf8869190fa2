// Lesson `stack` (C09, C18, C21, C22): RLIMIT_STACK as `ulimit -s` shows it, the default
// thread stack glibc derives from it, and the stacks' layout with their guard pages. A thread
// stack's memory and overflowing one are in stack_memory.cpp; what limits the number of
// threads is in stack_limits.cpp.

#include "lessons/stack/stack.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "lessons/common/lesson.h"
#include "os/procfs/limits.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/task_parse.h"
#include "os/sys/child.h"
#include "os/sys/clock.h"
#include "os/sys/pipe.h"
#include "os/workloads/parked_threads.h"
#include "report/units.h"

namespace conc::lessons {

namespace {

using stack::bytes_text;
using stack::kKiB;
using std::chrono::milliseconds;
constexpr auto kThreadsLimit = milliseconds(5000);
constexpr std::size_t kSmallStack = 64 * kKiB;

// ---- a shell's own `ulimit -s` -----------------------------------------------------------

// Output of `sh -c 'ulimit -s; ulimit -Hs'`, run as a child; nullopt if no shell ran.
std::optional<std::pair<std::string, std::string>> shell_ulimit() {
  os::Pipe out;
  auto child = os::ChildProcess::spawn([&] {
    ::dup2(out.write_fd(), STDOUT_FILENO);  // the copy survives exec; the original does not
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execl("/bin/sh", "sh", "-c", "ulimit -s; ulimit -Hs", static_cast<char*>(nullptr));
    return 127;
  });
  out.close_write();  // EOF once the shell has exited
  std::string text;
  char buf[256];
  for (const auto give_up = os::monotonic_ns() + 2'000'000'000; os::monotonic_ns() < give_up;) {
    LessonContext::check_interrupted();
    pollfd p{out.read_fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;
    }
    const auto n = ::read(out.read_fd(), buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  const auto status = child.wait_for(milliseconds(1000));
  const auto nl = text.find('\n');
  if (!status || !status->exited || status->code != 0 || nl == std::string::npos) {
    return std::nullopt;
  }
  auto second = text.substr(nl + 1);
  second = second.substr(0, second.find('\n'));
  return std::pair{text.substr(0, nl), second};
}

// ---- the limit -----------------------------------------------------------------------------

report::Value bytes_cell(const std::optional<std::uint64_t>& b) {
  return b ? report::Value(static_cast<std::int64_t>(*b)) : report::Value(std::string("unlimited"));
}

using ShellUlimit = std::optional<std::pair<std::string, std::string>>;

void limit_table(LessonContext& ctx, const os::RLimit& limit, const ShellUlimit& shell) {
  report::Table t{"rlimit_stack",
                  "RLIMIT_STACK, as getrlimit returns it and as `ulimit -s` prints it",
                  {"limit", "getrlimit (bytes)", "ulimit (KiB)", "sh -c 'ulimit -s' / -Hs"},
                  {},
                  ""};
  t.rows.push_back({std::string("soft (ulimit -s)"), bytes_cell(limit.soft),
                    os::format_ulimit_kib(limit.soft),
                    shell ? shell->first : std::string("no shell")});
  t.rows.push_back({std::string("hard (ulimit -Hs)"), bytes_cell(limit.hard),
                    os::format_ulimit_kib(limit.hard),
                    shell ? shell->second : std::string("no shell")});
  t.note =
      "The soft limit is the one in force; a process may raise it up to the hard limit. It "
      "caps how far the main thread's [stack] may grow.";
  ctx.report().add(std::move(t));
}

void explain_default_stack(LessonContext& ctx, const os::RLimit& limit) {
  ctx.explain(
      "Where the thread stack size comes from",
      fmt::format("glibc reads RLIMIT_STACK once, when the program starts: if the soft limit is "
                  "finite it becomes the default stack size of every new thread, if it is "
                  "'unlimited' glibc uses 2 MiB on x86-64. Here the soft limit is {}, so the "
                  "rule gives {}, and new threads get {}. (Changing the limit later, with "
                  "setrlimit, does not change it for this process; `ulimit -s 512` before "
                  "starting a program does.)",
                  limit.soft ? bytes_text(*limit.soft) : std::string("unlimited"),
                  bytes_text(os::glibc_default_stack_for(limit)),
                  bytes_text(os::default_thread_stack_bytes())));
}

// ---- the layout ----------------------------------------------------------------------------

// Addresses of a local of the main thread and of two parked threads (default and 64 KiB
// stacks), and /proc/self/maps read while all three stacks exist.
struct Sighting {
  std::uint64_t main_local = 0;
  std::array<std::uint64_t, 2> thread_locals{};
  std::vector<os::Mapping> maps;
};

Sighting sight_stacks() {
  Sighting s;
  const std::array<std::size_t, 2> sizes = {0, kSmallStack};
  os::ParkedThreads group;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const int err = group.start(
        [&, i] {
          volatile int local = 0;
          // Published before park(), which takes the group's mutex; read after wait_parked().
          s.thread_locals[i] = reinterpret_cast<std::uintptr_t>(&local);
          group.park();
          static_cast<void>(local);
        },
        {.stack_bytes = sizes[i], .cpu = -1});
    if (err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_create");
    }
  }
  if (!group.wait_parked(sizes.size(), kThreadsLimit)) {
    throw std::runtime_error("the stack lesson's threads did not start");
  }
  volatile int main_local = 0;
  s.main_local = reinterpret_cast<std::uintptr_t>(&main_local);
  s.maps = os::read_maps(::getpid());
  return s;
}

// The mapping holding `local` and the guard page below it, as boxes to draw.
void add_stack_boxes(std::vector<stack::LayoutBox>& boxes, const std::vector<os::Mapping>& maps,
                     std::uint64_t local, const std::string& label) {
  const auto m = os::find_mapping(maps, local);
  if (!m) {
    return;
  }
  boxes.push_back({maps[*m].start,
                   maps[*m].end,
                   label,
                   maps[*m].perms,
                   {fmt::format("a local variable at {:#x}", local)}});
  if (const auto g = os::guard_below(maps, *m)) {
    boxes.push_back({maps[*g].start,
                     maps[*g].end,
                     "guard page (no access)",
                     maps[*g].perms,
                     {"touching it -> SIGSEGV"}});
  }
}

// Whether the three locals lie in three different mappings.
bool distinct_stacks(const Sighting& s) {
  std::vector<std::uint64_t> starts;
  for (const auto local : {s.main_local, s.thread_locals[0], s.thread_locals[1]}) {
    if (const auto m = os::find_mapping(s.maps, local)) {
      starts.push_back(s.maps[*m].start);
    }
  }
  std::sort(starts.begin(), starts.end());
  return starts.size() == 3 && std::adjacent_find(starts.begin(), starts.end()) == starts.end();
}

class StackLesson final : public Lesson {
 public:
  std::string_view name() const override { return "stack"; }
  std::string_view title() const override {
    return "Stacks: the limit, the fixed size of a thread's stack, and how many threads fit";
  }
  std::vector<std::string_view> claims() const override { return {"C09", "C18", "C21", "C22"}; }
  void add_options(CLI::App& cmd) override {
    const int cap = stack::max_threads_cap();
    max_threads_opt_ =
        cmd.add_option("--max-threads", max_threads_,
                       "Threads the live attempt may start (default 2000, quick 500)")
            ->type_name("N")
            ->check(whole_number(1, cap));
  }
  void run(LessonContext& ctx) override;

 private:
  void the_limit(LessonContext& ctx);
  bool layout(LessonContext& ctx);
  int max_threads_ = 2000;
  CLI::Option* max_threads_opt_ = nullptr;
};

void StackLesson::run(LessonContext& ctx) {
  ctx.explain("The claim",
              "Every thread needs a stack for its calls' local variables and return addresses. "
              "The main thread's stack grows on demand up to RLIMIT_STACK (`ulimit -s`); every "
              "other thread gets a stack of a fixed size when it is created: glibc takes that "
              "size from the same limit, so the 8 MiB commonly set for the main thread is "
              "also the common thread stack there (musl gives 128 KiB, macOS 512 KiB). How "
              "many threads fit is then a question of which limit is hit first.");
  the_limit(ctx);
  LessonContext::check_interrupted();
  const bool distinct = layout(ctx);
  LessonContext::check_interrupted();
  const auto thread = stack::reserved_vs_touched_experiment(ctx);
  LessonContext::check_interrupted();
  const auto overflow = stack::overflow_experiment(ctx, distinct);
  LessonContext::check_interrupted();
  stack::goroutine_stack_experiment(ctx, thread, overflow);
  LessonContext::check_interrupted();
  const bool explicit_count = max_threads_opt_ != nullptr && max_threads_opt_->count() > 0;
  // The slowest part, and one that stands alone: --step may skip it or run it again.
  ctx.part([&] {
    stack::thread_limits_experiment(
        ctx, explicit_count ? max_threads_ : ctx.size(max_threads_, std::min(max_threads_, 500)));
  });
}

void StackLesson::the_limit(LessonContext& ctx) {
  const auto limit = os::get_rlimit(RLIMIT_STACK);
  const auto shell = shell_ulimit();
  limit_table(ctx, limit, shell);
  if (limit.soft) {
    ctx.measure("rlimit_stack_soft_bytes", "RLIMIT_STACK soft limit", "B",
                {static_cast<double>(*limit.soft)},
                "getrlimit(RLIMIT_STACK).rlim_cur; `ulimit -s` prints it divided by 1024");
  }
  ctx.measure("default_thread_stack_bytes", "default stack of a new thread", "B",
              {static_cast<double>(os::default_thread_stack_bytes())},
              "pthread_getattr_default_np: the size pthread_create uses when none is asked for");
  explain_default_stack(ctx, limit);
  stack::StackLimitView v{limit.soft, limit.hard, std::nullopt, std::nullopt};
  if (shell) {
    v.shell_soft = shell->first;
    v.shell_hard = shell->second;
  }
  ctx.verdict(stack::judge_c22(v));
}

bool StackLesson::layout(LessonContext& ctx) {
  const auto s = sight_stacks();
  std::vector<stack::LayoutBox> boxes;
  add_stack_boxes(boxes, s.maps, s.main_local, "main thread [stack], grows down");
  add_stack_boxes(boxes, s.maps, s.thread_locals[0], "thread A stack, default size");
  add_stack_boxes(boxes, s.maps, s.thread_locals[1], "thread B stack, 64 KiB asked for");
  ctx.explain("The stacks in this process's address space (/proc/self/maps, this run)",
              stack::draw_layout(boxes) +
                  "\nThe main thread's [stack] is only as large as it has grown so far (the "
                  "kernel extends it on a fault, up to RLIMIT_STACK). A thread stack is one "
                  "fixed mapping made by pthread_create, with a guard page below it because "
                  "stacks grow down.");
  return distinct_stacks(s);
}

}  // namespace

std::unique_ptr<Lesson> make_stack_lesson() {
  return std::make_unique<StackLesson>();
}

}  // namespace conc::lessons
