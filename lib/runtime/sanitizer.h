#pragma once
// Fiber-switch annotations for AddressSanitizer and ThreadSanitizer. Without them ASan takes
// a stack switch for a wild stack pointer (false stack-buffer-overflow reports) and TSan mixes
// up the happens-before histories of goroutines sharing a thread. Everything compiles to
// nothing in plain builds. CMake defines CONC_ASAN / CONC_TSAN with the sanitizer options.

#include <cstddef>

#if defined(CONC_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(CONC_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace conc::rt::detail {

// ASan: call before a switch (fake_stack_save == nullptr when the current fiber dies) ...
inline void asan_start_switch([[maybe_unused]] void** fake_stack_save,
                              [[maybe_unused]] const void* to_lo,
                              [[maybe_unused]] std::size_t to_size) {
#if defined(CONC_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, to_lo, to_size);
#endif
}
// ... and first thing in the context that was switched to.
inline void asan_finish_switch([[maybe_unused]] void* fake_stack_save) {
#if defined(CONC_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, nullptr, nullptr);
#endif
}
// A reused stack may still carry the previous goroutine's poisoned redzones.
inline void asan_unpoison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) {
#if defined(CONC_ASAN)
  __asan_unpoison_memory_region(p, n);
#endif
}

// A compact goroutine's stack while compacted: any access is a broken contract (compact.h).
inline void asan_poison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) {
#if defined(CONC_ASAN)
  __asan_poison_memory_region(p, n);
#endif
}

inline void* tsan_create_fiber() {
#if defined(CONC_TSAN)
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}
inline void* tsan_current_fiber() {
#if defined(CONC_TSAN)
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}
inline void tsan_destroy_fiber([[maybe_unused]] void* f) {
#if defined(CONC_TSAN)
  __tsan_destroy_fiber(f);
#endif
}
// Flag 0: the switch synchronises, i.e. everything before it happens-before the resumed fiber.
inline void tsan_switch_to([[maybe_unused]] void* f) {
#if defined(CONC_TSAN)
  __tsan_switch_to_fiber(f, 0);
#endif
}

}  // namespace conc::rt::detail
