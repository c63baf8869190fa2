#pragma once
// Claim C18 ("threads per process cannot grow far: fixed stacks and the C10K problem"), judged
// by one rule for every lesson that measures it (c10k, stack), so that the claims ledger cannot
// show two verdicts for one machine.
//
// Threads do not scale without end: thread creation fails (EAGAIN) at whichever limit runs out
// first. Here that is either a count (pid_max, threads-max, RLIMIT_NPROC, max_map_count, a
// cgroup's pids.max) or memory (what is available, or the address space a stack reserves).
// Whether that makes the claim true depends on where the limit lies.
//
// Pure: numbers in, verdict out.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"

namespace conc::lessons::thread_limits {

enum class LimitKind { count, memory };

// The limit that allows the fewest more threads.
struct Limit {
  std::string name;            // "pid_max", "memory (MemAvailable)"
  long long more_threads = 0;  // how many more threads it allows
  LimitKind kind = LimitKind::count;
};

// The threads this run really created.
struct Attempt {
  int requested = 0, created = 0;
  int error = 0;     // pthread_create's error when it stopped short, else 0
  std::string cost;  // what one thread cost here, for people ("8 MiB reserved, 12 KiB touched")
};

inline constexpr long long kC10kThreads = 10'000;  // the "10K" of C10K
inline constexpr long long kFarThreads = 100'000;  // from here on, threads "scale far"
// Confirmed when the limit bites within reach: the live attempt failed, or the tightest limit
// allows fewer than kC10kThreads more. Contradicted when it allows at least kFarThreads more
// (or no limit is known). Nuanced in between: the threads fit, and their cost lies elsewhere.
report::ClaimVerdict judge_c18(const std::optional<Limit>& tightest, const Attempt& attempt);

// Two facts assumed per architecture, not read: Linux exports neither.
// Each thread also has a kernel stack (THREAD_SIZE), invisible from here: 16 KiB on x86-64 and
// on arm64 with 4 KiB pages (larger with KASAN or other page sizes).
// The user address space: 128 TiB on x86-64 with 4-level page tables (47 bits), 256 TiB on arm64
// with 48-bit virtual addresses (Debian's kernel); other architectures are assumed to be x86-64.
#if defined(__aarch64__)
inline constexpr std::string_view kAssumedArch = "arm64";
inline constexpr double kUserAddressSpaceBytes = 281'474'976'710'656.0;  // 2^48
#else
inline constexpr std::string_view kAssumedArch = "x86-64";
inline constexpr double kUserAddressSpaceBytes = 140'737'488'355'328.0;  // 2^47
#endif
inline constexpr double kKernelStackBytes = 16 * 1024;

// The memory limits on thread creation, given what one thread costs here.
struct MemoryFacts {
  std::optional<double> available_bytes;  // MemAvailable
  std::optional<double> rlimit_as_bytes;  // RLIMIT_AS; nullopt = unlimited
  double vm_size_bytes = 0;               // address space this process already uses
};
// "memory (MemAvailable)": available ÷ (touched + kernel stack), when known; "address space":
// (RLIMIT_AS or the user address space − VmSize) ÷ reserved.
std::vector<Limit> memory_limits(const MemoryFacts& m, double touched_per_thread,
                                 double reserved_per_thread);
// The limit that allows the fewest more threads; nullopt for none.
std::optional<Limit> tightest(const std::vector<Limit>& limits);

}  // namespace conc::lessons::thread_limits
