#pragma once
// Internal: compact goroutines (SpawnOptions::compact_when_parked; the contract is in
// runtime.h). While one is parked, the used part of its stack is copied to a right-sized heap
// buffer and the stack's pages go back to the kernel; before it runs again, the frames are
// copied back to the SAME addresses, so return addresses, saved frame pointers and pointers
// between its frames stay valid. Go moves stacks and fixes the pointers into them; C++
// cannot find those pointers, so this mode is opt-in and safe only by contract (stack.h says
// why the default keeps every stack in place).
//
// A compact stack's life, in CompactState::residency (one atomic):
//
//   resident    the frames are in the stack's pages: the goroutine runs, is runnable, or has
//               just parked (its worker's after-switch hook has not marked it yet).
//   parked      parked, marked by the hook before it releases the object's lock: a
//               compactor may take it (CAS -> compacting), or the worker about to run it
//               takes it back with nothing to copy (CAS -> resident).
//   compacting  a compactor owns the stack: it copies [sp, top) out, then the batch releases
//               the pages. A worker about to run the goroutine waits (microseconds).
//   compacted   frames in `saved`, pages released. The worker about to run it copies them
//               back (Scheduler::make_resident, from switch_to) and sets resident.
//
// Who compacts, and when: the worker the goroutine parked on, in batches: once
// Config::compact_batch compact goroutines have parked on it since its last batch, and when it
// runs out of work (Scheduler::sleep). A goroutine woken before its batch is never copied, so
// a pair of compact goroutines handing values back and forth stays fast; one batch releases
// neighbouring stacks with a single madvise and pays the TLB shootdown once. Rejected:
//   - compacting at every park: a madvise, then a page fault, per park (a 100 ns handoff
//     becomes microseconds). Config::compact_batch = 1 does this, for tests;
//   - the monitor thread compacting goroutines parked longer than a threshold: it also fires
//     the timers, would copy on another CPU (cache misses on both sides) and needs the same
//     synchronisation; a time threshold also leaves a burst of a million fresh parks at 4 KiB
//     each until it passes;
//   - one shared run stack per worker with stacks copied in and out at every switch
//     (libco's copy stacks): a goroutine would be bound to one stack address, hence to one
//     worker, and every switch would copy.
//
// What must live off the stack. Nothing outside the goroutine may touch its stack while it is
// parked, the runtime included, so every record a waker or the scheduler reads or writes
// during a park lives in CompactState (or, for select, in one heap block: compact_select.cpp):
//   - the Waiter a channel operation or sync wait publishes (wakers link and unlink it, set
//     success, chain wake batches through it) and the Cleanup argument the deadlock sweep
//     calls (park_waiter, park_cleanup);
//   - the value a parked sender offers and the slot a parked receiver is handed a value in:
//     a waker moves the value directly, so it travels through ParkedValue;
//   - select's waiters, lock set (the after-switch hook unlocks through it), wait objects
//     (the deadlock report reads them), cleanup and per-case values;
//   - the closure (the scheduler destroys it when a program abandons a parked goroutine).
// Timers keep only the Fiber pointer; ready() writes only the Fiber. ASan builds check all of
// it: a compacted stack is poisoned, so any access to it while parked is reported.
//
// The seam. The ordinary paths meet this mode only at the points below, each one test of
// `g->compact` (or a separate entry point) that hands over to compact code; everything else
// in select, park, channels and spawn reads as if compact goroutines did not exist:
//   spawn        rt::go(fn, {.compact_when_parked = true}) -> detail::spawn_compact ->
//                Scheduler::spawn_compact (spawn.cpp; its fiber and closure: compact.cpp)
//   exit         free_fiber -> recycle_compact_fiber (compact.cpp)
//   park         the after-switch hook -> after_park_compact (compact.cpp): offers the stack
//   switch       switch_to's slow path -> make_resident (compact.cpp): copies frames back
//   idle         a worker out of work -> compact_pending (compact.cpp): the batch
//   channels     ChanCore::send / recv, once they must park -> compact_chan.cpp
//   select       select_impl's step 5 -> park_compact_select (compact_select.cpp)
//   sync waits   park_waiter / park_cleanup below (the waiter and cleanup off the stack)
//   program end  destroy_compact_fiber (program.cpp: abandoned compact goroutines)
//
// Overflow detection is unchanged: guard pages where the mapping budget allows, else the
// canary below the stack, checked at every switch (stack.h: released pages and canaries).
//
// Thread-safety: the residency protocol above; `queued` and the worker lists below.

#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>

#include "runtime/fiber.h"
#include "runtime/wait.h"

namespace conc::rt::detail {

enum class Residency : std::uint8_t { resident, parked, compacting, compacted };

inline constexpr std::size_t kCompactClosureBytes = 64;  // larger closures: the heap
inline constexpr std::size_t kCompactValueBytes = 64;    // larger channel values: the heap
inline constexpr std::size_t kCompactCleanupBytes = 32;

struct CompactState {
  std::atomic<Residency> residency{Residency::resident};
  // In some worker's compact_pending list (at most one entry per goroutine). Set by the
  // hook that appends it, cleared by the batch that takes it out, both seq_cst with the
  // residency accesses: a goroutine that parks again is either still listed or appended.
  std::atomic<bool> queued{false};
  std::byte* saved = nullptr;       // the frames, while compacted (malloc)
  std::byte* saved_from = nullptr;  // where they go back: the stack pointer it parked with
  std::size_t saved_bytes = 0;
  void* heap_closure = nullptr;  // the closure, when it does not fit in `closure`
  std::size_t heap_closure_align = 0;
  Waiter waiter;
  alignas(16) std::byte cleanup[kCompactCleanupBytes];
  alignas(16) std::byte value[kCompactValueBytes];
  alignas(16) std::byte closure[kCompactClosureBytes];
};

// The heap block of a compact goroutine.
struct CompactFiber {
  Fiber fiber;
  CompactState state;
};
static_assert(std::is_standard_layout_v<CompactFiber>, "a Fiber* must convert to its block");

inline CompactFiber* compact_block(Fiber* g) {
  return reinterpret_cast<CompactFiber*>(g);
}

// A compact goroutine's frames start here: the top reserve above holds the canary of the
// stack above (stack.h), which is neither copied out nor back.
inline std::byte* compact_frames_top(const StackSpan& s) {
  return s.hi - kStackTopReserve;
}

// Where a parking primitive keeps what others touch while it is parked: `local`, on its own
// stack, or the compact goroutine's off-stack record.
inline Waiter& park_waiter(Fiber* g, Waiter& local) {
  return g->compact != nullptr ? g->compact->waiter : local;
}
template <class T>
T& park_cleanup(Fiber* g, T& local) {
  static_assert(sizeof(T) <= kCompactCleanupBytes && alignof(T) <= 16);
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  if (g->compact == nullptr) {
    return local;
  }
  return *::new (g->compact->cleanup) T(local);
}

// Off-stack storage for the value a compact goroutine's channel operation hands over while it
// is parked: its inline buffer, or the heap for a large or over-aligned value. Owns the
// storage, not the value (the channel code constructs and destroys that).
class ParkedValue {
 public:
  ParkedValue(CompactState& c, std::size_t size, std::size_t align)
      : heap_(size > kCompactValueBytes || align > 16),
        align_(align),
        p_(heap_ ? ::operator new(size, std::align_val_t(align)) : c.value) {}
  ~ParkedValue() {
    if (heap_) {
      ::operator delete(p_, std::align_val_t(align_));
    }
  }
  ParkedValue(const ParkedValue&) = delete;
  ParkedValue& operator=(const ParkedValue&) = delete;
  void* get() const { return p_; }

 private:
  bool heap_;
  std::size_t align_;
  void* p_;
};

// Compact stacks parked right now, process-wide (RuntimeStats::stacks_compacted).
std::int64_t compacted_stack_count();

}  // namespace conc::rt::detail
