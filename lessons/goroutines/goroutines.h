#pragma once
// Lesson `goroutines` (claims C28, C29, C30, C31, C34, C35): many parked goroutines against OS
// threads (C31) and what the kernel sees meanwhile (C28); what a parked goroutine's stack
// costs, default, compact and Go's 2 KiB (C29); what a growable stack costs per call (C30);
// what a switch saves (C34); which worker ran what (C35); and a goroutine that blocks its
// worker. The verdict rules are pure functions (verdicts.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace conc::lessons {
class LessonContext;
}

namespace conc::lessons::goroutines {

inline constexpr double kKiB = 1024;

// C31 and C28: the parked herd.
struct HerdView {
  long long requested = 0;
  long long parked = 0;          // goroutines that reached their park
  std::string refused;           // why spawning stopped early ("" = it did not)
  double rss_per_goroutine = 0;  // bytes, RSS delta / parked
  double ns_per_spawn = 0;       // process CPU time per go()
  double wall_ns_per_spawn = 0;
  int workers = 0;               // W
  long long threads_before = 0;  // /proc/self/task entries before run()
  long long threads_while_parked = 0;
  int threads_created = 0;    // the OS-thread side
  double rss_per_thread = 0;  // bytes
  double ns_per_thread = 0;
};
// Go's own claim and the sizes the rules compare with.
inline constexpr long long kHundredsOfThousands = 100'000;
// For C31, a parked thread's resident cost must be at least this many times a goroutine's.
inline constexpr double kThreadToGoroutineMemory = 4.0;
// C31: contradicted when spawning was refused before 100,000 goroutines or a parked goroutine
// was not cheaper than a thread; confirmed when at least 100,000 were parked and a thread's
// resident cost is at least kThreadToGoroutineMemory times a goroutine's; nuanced otherwise
// (fewer asked for, or the gap smaller).
report::ClaimVerdict judge_c31(const HerdView& v);
// Threads beyond the workers the runtime may add (its monitor) before C28 turns nuanced.
inline constexpr long long kHelperThreads = 2;
// C28: contradicted when the kernel's task count grew by half the goroutines or more; confirmed
// when it grew by at most W + kHelperThreads; nuanced in between.
report::ClaimVerdict judge_c28(const HerdView& v);

// C29: a parked goroutine's memory, live.
struct StackView {
  double default_bytes = 0;                         // RSS per parked goroutine, default mode
  double compact_bytes = 0;                         // ... compact mode (0 = not measured)
  double go_bytes = 2048;                           // Go's starting stack
  double reserved_bytes = 0;                        // address space reserved per goroutine stack
  double wake_default_ns = 0, wake_compact_ns = 0;  // wake-up and finish, per goroutine
  bool grows_with_depth = false;                    // resident bytes grew with recursion depth
};
// "Near Go's 2 KiB": within this many bytes per goroutine, stack and bookkeeping together.
inline constexpr double kNearGoBytes = 4 * kKiB;
// Far from it: beyond this, the claim's order of magnitude does not hold.
inline constexpr double kFarFromGoBytes = 32 * kKiB;
// C29: contradicted when even the cheapest mode costs more than kFarFromGoBytes or the stack
// did not grow with depth; confirmed when the default mode costs at most kNearGoBytes; nuanced
// otherwise (only the opt-in compact mode comes near, at a measured wake-up cost).
report::ClaimVerdict judge_c29(const StackView& v);

// C30: what a bound check in every call costs.
struct CallCheckView {
  double ns_plain = 0, ns_checked = 0;               // per call
  std::optional<double> instr_plain, instr_checked;  // per call, when perf_event_open allowed it
  std::string counters_note;                         // why no counts, when none
};
inline constexpr double kClaimedInstructions = 3;
// The check's extra instructions per call: confirmed up to kClaimedInstructions + 1,
// contradicted past kTooManyInstructions, nuanced in between or when only times exist.
inline constexpr double kTooManyInstructions = 8;
// Below this the check was not really executed (the compiler removed it): not judged.
inline constexpr double kCheckVanished = 0.5;
report::ClaimVerdict judge_c30(const CallCheckView& v);

// C34: what a switch saves and what it costs.
struct SwitchView {
  double runtime_bytes = 0;           // the runtime's saved context
  std::optional<double> xsave_bytes;  // the kernel's register area (CPUID leaf 0xD)
  double goroutine_switch_ns = 0;
  double thread_switch_ns = 0;  // 0 = not measured
};
// The runtime must save at least this many times fewer bytes than XSAVE to be "its choice".
inline constexpr double kSavesFewerBy = 4;
// C34: contradicted when the runtime saves as much as XSAVE or its switch is not cheaper than
// the kernel's; confirmed when it saves kSavesFewerBy times fewer bytes and switches faster;
// not judged without an XSAVE size (not x86).
report::ClaimVerdict judge_c34(const SwitchView& v);

// C35: M:N.
struct MnView {
  int workers = 0;
  int goroutines = 0;
  int workers_used = 0;  // workers that ran at least one goroutine
  long long migrations = 0, steals = 0;
  long long threads_added = 0;  // kernel tasks beyond those before run()
};
// C35: contradicted when the kernel saw a thread per goroutine; confirmed when N goroutines
// ran on W < N workers and more than one worker was used; nuanced with one worker (N:1).
report::ClaimVerdict judge_c35(const MnView& v);

// The live parts.
HerdView park_herd(LessonContext& ctx, long long count, int workers, bool compact,
                   StackView& stack);
void thread_herd(LessonContext& ctx, int count, HerdView& v);
void stack_growth(LessonContext& ctx, StackView& stack);
CallCheckView call_check(LessonContext& ctx, long calls);
SwitchView switch_costs(LessonContext& ctx);
MnView mn_schedule(LessonContext& ctx, int workers, int goroutines);
void blocking_worker(LessonContext& ctx);

// "SCHED 12ms: gomaxprocs=2 idleprocs=0 runqueue=0 [3 4]" from one sample.
struct SchedSample {
  double at_ms = 0;
  int workers = 0, idle = 0;
  std::vector<int> queued;  // per worker
};
std::string schedtrace_line(const SchedSample& s);

}  // namespace conc::lessons::goroutines
