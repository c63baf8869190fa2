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
//   only the first stacks (half the VMA budget) get one.
// - Canary: a word just below every stack's lo, in the page of the stack under it (or the
//   lead page), is checked at every switch away from the goroutine. It catches overflows of
//   unguarded stacks after the fact (the neighbour's memory may already be damaged: the runtime
//   then stops the process with the same message). Keeping it in an already-touched page keeps
//   the canary free in RSS.
//
// Memory per parked goroutine: the pages its stack touched, usually one (4 KiB), since the
// control block and closure share that page with the frames. Go needs 2.7 KB (a 2 KiB stack
// and ~0.7 KiB of heap) because it can copy a stack elsewhere and fix every pointer into it.
// A C++ runtime cannot: goroutines here share their locals by address (go([&] { wg.done(); })
// writes the parent's WaitGroup), so copying a parked goroutine's used stack out to a
// right-sized buffer, and its page to another goroutine, would silently corrupt whatever
// another goroutine writes there meanwhile. Sharing stacks has the same problem, and sub-page
// stacks (several per page) would overflow on ordinary C++ code. Hence address-stable stacks
// at one page each: 4.1 KB per parked goroutine (conc-lab bench mem_per_goroutine_1m).
//
// Thread-safe. Stacks are never unmapped while in use; trim() unmaps fully free chunks.

#include <cstddef>
#include <cstdint>

namespace conc::rt {

struct StackSpan {
  std::byte* lo = nullptr;  // lowest usable byte (above the guard page, if any)
  std::byte* hi = nullptr;  // one past the top
  bool guarded = false;
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

// The canary word of a stack: just below its lowest byte (below the guard page, if any), in the
// top reserve of the stack under it or in the chunk's lead page.
inline std::uint64_t* stack_canary(const StackSpan& s) {
  return reinterpret_cast<std::uint64_t*>(s.guarded ? s.lo - kStackPage : s.lo) - 2;
}

// Stops the process: "conc::rt: fatal error: stack overflow in goroutine N (how)". Async-signal
// safe (write + _exit), so the SIGSEGV handler can use it.
[[noreturn]] void fatal_stack_overflow(std::uint64_t goroutine, const char* how);

// Installs the SIGSEGV handler that recognises guard pages, unless it is already installed; a
// fault it does not recognise goes to the handler it replaced. No-op in sanitizer builds,
// whose own handlers report overflows.
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

// Implemented by the scheduler: the goroutine whose stack ends at `top` (0 if none). Used by
// the SIGSEGV handler, so it only reads memory.
std::uint64_t goroutine_on_stack(const std::byte* top);

}  // namespace conc::rt
