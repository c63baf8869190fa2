#pragma once
// Goroutine stacks: reserved with mmap in chunks, committed lazily by the kernel (a page is
// real memory only once touched), pooled and reused so that spawning a goroutine normally costs
// no syscall and no page fault.
//
// One chunk holds kStacksPerChunk stacks of the same reserved size, in one mapping:
//
//   chunk base                                                                   chunk end
//   | lead page | stack 0                        | stack 1                        | ...
//               | guard? | ...frames grow down... [canary 1 | Fiber 0 | closure]|
//               ^ lo(0)                                           top(0) = lo(1) ^
//
// - Guard page: the lowest page of a stack is made PROT_NONE, so running off the bottom
//   faults; the SIGSEGV handler (on an alternate signal stack: the faulting stack is the one
//   that is full) recognises the guard and reports "stack overflow in goroutine N". Each guard
//   splits the mapping and costs a kernel VMA; vm.max_map_count (65,530 here) caps them, so
//   only the first stacks (half the VMA budget) get one. A frame larger than the guard would
//   jump over it: the project builds with -fstack-clash-protection, so large frames touch
//   every page on the way down and fault in the guard first.
// - Stack pointer: any SIGSEGV taken while the thread's goroutine has its stack pointer below
//   its stack is reported the same way. That covers unguarded stacks that run into unmapped
//   memory, and frames from code built without stack-clash probes.
// - Canary: a word just below every stack's lo, in the page of the stack under it (or the
//   lead page), is checked with the stack pointer at every switch away from the goroutine
//   and at every yield that does not switch. It catches overflows of unguarded stacks after
//   the fact (the neighbour's memory may already be damaged: the runtime then stops the
//   process with the same message). An overflow that leaves the canary word as it was and
//   returns before the next check goes unseen. Keeping the canary in an already-touched page
//   keeps it free in RSS.
//
// Memory per parked goroutine: the pages its stack touched, usually one (4 KiB), since the
// control block and closure share that page with the frames. Go needs 2.7 KB (a 2 KiB stack
// and ~0.7 KiB of heap) because it can copy a stack elsewhere and fix every pointer into it.
// A C++ runtime cannot: goroutines here share their locals by address (go([&] { wg.done(); })
// writes the parent's WaitGroup), so copying a parked goroutine's used stack out to a
// right-sized buffer, and its page to another goroutine, would silently corrupt whatever
// another goroutine writes there meanwhile. Sharing stacks has the same problem, and sub-page
// stacks (several per page) would overflow on ordinary C++ code. Hence address-stable stacks
// at one page each by default: 4.1 KB per parked goroutine (conc-lab bench
// mem_per_goroutine_1m).
//
// Compact goroutines (opt-in, runtime.h: SpawnOptions::compact_when_parked) promise that
// nobody points into their stack while they are parked. For them the runtime copies the used
// part of a parked stack out to the heap and gives the stack's pages back to the kernel
// (release_stack_pages: madvise(MADV_DONTNEED), which keeps the mapping), then copies the
// frames back to the SAME addresses before the goroutine runs again: return addresses, frame
// pointers and pointers between its frames stay valid. See compact.h.
//
// Released pages and canaries. A released stack's top page reads as zeros until touched, and
// that page holds the canary of the stack above it. So a canary that reads 0 while the stack
// under it is marked released is intact (canary_intact_slow), and whoever writes frames back
// into a released stack rewrites the canary above it (stack_repopulated). The pool does not
// write a canary into a released neighbour (that would fault its page back in). An overflow
// that writes exactly 0 over such a canary goes unseen: the one thing this mode weakens.
//
// Thread-safe. Stacks are never unmapped while in use; trim() unmaps fully free chunks.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace conc::rt {

struct StackSpan {
  std::byte* lo = nullptr;  // lowest usable byte (above the guard page, if any)
  std::byte* hi = nullptr;  // one past the top
  bool guarded = false;
  std::uint16_t slot = 0;   // which stack of its chunk (0: the one above the lead page)
  std::uint32_t chunk = 0;  // its chunk's index in the pool's table
  std::size_t size() const { return static_cast<std::size_t>(hi - lo); }
};

struct StackPoolStats {
  std::size_t chunks = 0;        // mappings made (each kStacksPerChunk stacks)
  std::size_t reserved = 0;      // stacks mapped
  std::size_t in_use = 0;        // stacks handed out and not yet released
  std::size_t guarded = 0;       // stacks with a guard page
  std::size_t guard_budget = 0;  // the most stacks that may get one (from vm.max_map_count)
};

inline constexpr std::size_t kStacksPerChunk = 128;
inline constexpr std::size_t kStackPage = 4096;
// Bytes at the top of every stack that belong to the stack above it (its canary lives there).
inline constexpr std::size_t kStackTopReserve = 64;
inline constexpr std::uint64_t kStackCanary = 0xC0DE5AFEDEADBEEFull;

// Fills out[0..n) with stacks of `reserved_bytes` each (rounded up to pages) and returns n.
// Throws std::system_error when the kernel refuses the memory.
std::size_t acquire_stacks(std::size_t reserved_bytes, StackSpan* out, std::size_t n);
void release_stacks(const StackSpan* spans, std::size_t n);
StackPoolStats stack_pool_stats();
// Unmaps the chunks whose stacks are all free. Returns how many chunks were unmapped.
std::size_t trim_stacks();
// Lowers the guard-page budget (never raises it above vm.max_map_count's share): chunks mapped
// from now on get guard pages only while fewer than `stacks` stacks have one. Tests pass 0 to
// exercise the canary, which is what every stack beyond the budget relies on.
void limit_guard_pages(std::size_t stacks);

// The canary word of a stack: just below its lowest byte (below the guard page, if any), in the
// top reserve of the stack under it or in the chunk's lead page.
inline std::uint64_t* stack_canary(const StackSpan& s) {
  return reinterpret_cast<std::uint64_t*>(s.guarded ? s.lo - kStackPage : s.lo) - 2;
}

// Gives the pages of these stacks back to the kernel, keeping their addresses reserved (they
// read as zeros afterwards), and marks each released. `spans` sorted by address: neighbours
// are released with one madvise. Precondition: nothing runs on them or reads them meanwhile.
void release_stack_pages(const StackSpan* spans, std::size_t n);
// Called after frames were written back into a stack that may have been released (or before
// reusing it): restores the canary of the stack above if the release zeroed it, and clears
// the mark.
void stack_repopulated(const StackSpan& s);
// True while the stack's pages are released (since release_stack_pages, until repopulated).
bool stack_released(const StackSpan& s);

// The canary check at a switch. The word is read atomically: the stack under s may be written
// back (stack_repopulated) by another worker at the same moment.
inline std::uint64_t load_canary(const StackSpan& s) {
  return std::atomic_ref<std::uint64_t>(*stack_canary(s)).load(std::memory_order_relaxed);
}
// The canary differs from kStackCanary: is it still intact because the stack under s was
// released (it reads 0 then)? Out of line: only ever reached next to compacted stacks.
bool canary_intact_slow(const StackSpan& s);

// Stops the process with status 2, as Go does: "conc::rt: fatal error: stack overflow in
// goroutine N (how)", preceded, when the stack is known, by Go's two lines naming the limit,
// the stack pointer and the stack's bounds. Async-signal safe (write + _exit), so the SIGSEGV
// handler can use it.
[[noreturn]] void fatal_stack_overflow(std::uint64_t goroutine, const char* how,
                                       const StackSpan* stack = nullptr, const void* sp = nullptr);

// Installs the SIGSEGV handler that recognises overflows (a guard page, or the running
// goroutine's stack pointer below its stack), unless it is already installed; a fault it does
// not recognise goes to the handler it replaced. No-op in sanitizer builds, whose own
// handlers own SIGSEGV and report overflows.
void install_overflow_handler();

// An alternate signal stack for the calling thread (the handler cannot run on the stack that
// just overflowed); the destructor restores the thread's previous one. No-op under sanitizers.
class AltSignalStack {
 public:
  AltSignalStack();
  ~AltSignalStack();
  AltSignalStack(const AltSignalStack&) = delete;
  AltSignalStack& operator=(const AltSignalStack&) = delete;

 private:
  void* mem_ = nullptr;
  bool installed_ = false;
};

// Implemented by the scheduler, for the SIGSEGV handler (so they only read memory): the
// goroutine whose stack ends at `top` (0 if none), and the one the calling thread runs.
std::uint64_t goroutine_on_stack(const std::byte* top);
struct RunningGoroutine {
  std::uint64_t id = 0;  // 0: the thread runs no goroutine
  StackSpan stack;
  const std::byte* native_lo = nullptr;  // the thread's own stack
  std::size_t native_size = 0;
};
RunningGoroutine running_goroutine();

}  // namespace conc::rt
