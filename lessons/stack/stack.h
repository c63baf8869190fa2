#pragma once
// Lesson `stack` (claims C09, C18, C21, C22): the stack limit as `ulimit -s` shows it, the
// thread stack size glibc derives from it, what a stack reserves against what it touches,
// overflowing a big and a small one, and what stops thread creation first on this machine.
// Verdict rules and the layout drawing are pure functions (stack_verdicts.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::stack {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
// "8.00 MiB": a byte count as the report writes it.
std::string bytes_text(std::uint64_t b);

// C22: RLIMIT_STACK from getrlimit, and what a shell's `ulimit -s` / `ulimit -Hs` printed.
struct StackLimitView {
  std::optional<std::uint64_t> soft, hard;            // nullopt = unlimited
  std::optional<std::string> shell_soft, shell_hard;  // nullopt = no shell ran
};
inline constexpr std::uint64_t kTypicalStackBytes = 8 * kMiB;
// A definition check (a shell inherits the limit) and one figure: confirmed when a shell's
// ulimit printed getrlimit's value and it is the typical 8 MiB; nuanced when it is another
// value; could not judge when no shell could be asked or it printed something else.
report::ClaimVerdict judge_c22(const StackLimitView& v);

// One overflow experiment: recursion on a thread stack of `stack_bytes` until it faulted.
struct OverflowRun {
  std::uint64_t stack_bytes = 0;
  long depth = 0;                      // frames reached
  double bytes_per_frame = 0;          // from the addresses of the first and the deepest frame
  bool overflowed = false;             // ended by the fault, in any of the expected ways
  std::string ended;                   // how the child ended, for people
  std::optional<bool> fault_in_guard;  // nullopt when the fault address was not seen
};

// C21: a thread's stack is fixed when it is created.
struct FixedStackView {
  std::uint64_t default_stack = 0;  // pthread_getattr_default_np
  std::uint64_t glibc_rule = 0;     // what glibc's rule gives for this RLIMIT_STACK
  OverflowRun big, small;
};
// The depth ratio of the two overflows should match their size ratio within this factor.
inline constexpr double kDepthRatioBand = 2.0;
// Contradicted when a stack did not overflow or the small one got at least as deep; confirmed
// when the depth ratio matches the size ratio (within kDepthRatioBand) and the default thread
// stack follows glibc's rule; nuanced otherwise.
report::ClaimVerdict judge_c21(const FixedStackView& v);

// C09 (seen from the stack lesson): thread stacks are separate mappings, and running off one
// faults in its guard page.
// Contradicted when two threads' stacks share a mapping; confirmed when the overflow's fault
// address fell in the guard page; nuanced when it was not seen (a sanitizer took the signal)
// or fell elsewhere.
report::ClaimVerdict judge_c09(bool stacks_distinct, const OverflowRun& overflow);

// C18: one limit on the number of threads and how many more threads it would allow.
struct ThreadCap {
  std::string name;
  std::optional<long long> more_threads;  // nullopt = no limit of this kind here
  bool enforced = true;                   // RLIMIT_NPROC is not, for root
  bool from_stack_size = false;           // the limit comes from reserving stack memory
  std::string basis;                      // how the figure was worked out
};
// The index of the enforced cap that allows the fewest more threads.
std::optional<std::size_t> first_cap(const std::vector<ThreadCap>& caps);

struct AttemptView {
  int requested = 0, created = 0;
  int error = 0;  // errno of the failed pthread_create, 0 if all were created
  double rss_per_thread = 0;
  double maps_per_thread = 0;
};
// The first enforced cap and the live attempt, judged by the rule lesson c10k shares
// (lessons/thread_limits.h): a failed attempt or fewer than 10,000 more threads -> confirmed;
// 100,000 or more -> contradicted; nuanced in between.
report::ClaimVerdict judge_c18(const std::vector<ThreadCap>& caps, const AttemptView& attempt);

// A box in the drawn address-space layout.
struct LayoutBox {
  std::uint64_t start = 0, end = 0;
  std::string label;               // "thread 1 stack (default size)"
  std::string perms;               // "rw-p"
  std::vector<std::string> notes;  // extra lines inside the box
};
// ASCII art of the boxes from high to low addresses, every line indented (the text renderer
// keeps indented paragraphs verbatim). Adjacent boxes share a border; gaps show their size.
std::string draw_layout(std::vector<LayoutBox> boxes);

// The bounded live attempt: start up to `count` parked threads with `stack_bytes` stacks,
// measure the process's RSS, size and mappings with all of them alive, release and join them.
// A failed pthread_create (EAGAIN) ends the attempt and is reported, never thrown.
struct HerdResult {
  int requested = 0, created = 0;
  int error = 0;
  long long rss_before_kib = 0, rss_after_kib = 0;
  long long size_before_kib = 0, size_after_kib = 0;
  long long maps_before = 0, maps_after = 0;
  std::vector<double> create_ns;
};
HerdResult start_parked_threads(int count, std::size_t stack_bytes);

// The live experiments on a thread stack's memory (memory.cpp), run by the lesson in
// lesson.cpp: reserved against touched, then overflowing stacks in children (C21, C09).
struct ThreadStackFigures {
  double reserved = 0, before = 0, growth = 0;  // medians, bytes
};
ThreadStackFigures reserved_vs_touched_experiment(LessonContext& ctx);
struct OverflowPair {
  OverflowRun big, small;  // the last run of each
};
OverflowPair overflow_experiment(LessonContext& ctx, bool stacks_distinct);

// A goroutine's stack (goroutine.cpp), measured in a child on one worker: its reservation
// (rt::Config::stack_size), the guard page below it if it got one, resident bytes at start and
// growth after using 16 KiB (mincore), then the overflow depth of the thread's recursion.
struct GoroutineStackRow {
  bool measured = false;
  std::uint64_t reserved = 0, guard = 0;  // guard = 0: no guard page, a canary instead
  std::uint64_t window = 0;               // bytes mincore looked at
  std::uint64_t before = 0, growth = 0;
  std::uint64_t stacks_reserved = 0, guarded_stacks = 0, guard_budget = 0;
  long depth = 0;
  double bytes_per_frame = 0;
  bool runtime_caught = false;  // the runtime's fatal error ended the child (exit 2)
  std::string ended, fatal;     // how the child ended; the runtime's fatal error line
};
GoroutineStackRow goroutine_stack_row(LessonContext& ctx);
// The thread rows beside the goroutine row, as one table with its measurements.
void goroutine_stack_experiment(LessonContext& ctx, const ThreadStackFigures& thread,
                                const OverflowPair& overflow);
// The live experiment on limits (stack_limits.cpp), run by the lesson in stack.cpp.
void thread_limits_experiment(LessonContext& ctx, int max_threads);
// The cap for --max-threads: well below pid_max so the machine keeps free pids.
int max_threads_cap();

}  // namespace conc::lessons::stack
