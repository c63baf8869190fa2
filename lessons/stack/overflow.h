#pragma once
// Lesson `stack`, internal: the recursion that overflows a stack, shared by the thread
// overflow (memory.cpp) and the goroutine overflow (goroutine.cpp), so both rows count frames
// of the same function.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace conc::lessons::stack {

// Each frame's local: well under a page, so a frame cannot skip a guard page.
inline constexpr std::size_t kOverflowFramePadBytes = 192;

// What the overflowing child leaves behind, in memory shared with the parent: written as it
// goes, so the parent learns the depth whichever way the child dies.
struct OverflowShared {
  std::atomic<long> depth{0};
  std::atomic<std::uint64_t> first_frame{0}, deepest_frame{0}, fault{0};
  std::atomic<std::uint64_t> stack_lo{0}, guard_lo{0};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Where recurse() writes; set in the child only (also read by its signal handler).
extern OverflowShared* g_overflow;

// Recurses through frames of a kOverflowFramePadBytes local until the stack runs out (it
// never returns in practice), recording depth and frame addresses in *g_overflow.
[[gnu::noinline]] long recurse(long depth);

}  // namespace conc::lessons::stack
