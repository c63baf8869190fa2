#pragma once
// The raw context switch: the one operation the whole runtime is built on. A Context is the
// callee-saved state of a suspended execution; context_switch(from, to) saves the caller's
// state into `from` and resumes `to`. It knows nothing about goroutines, queues or threads.
//
// Two backends, chosen in exactly one place (lib/runtime/CMakeLists.txt, option
// CONC_FIBERS_UCONTEXT) and passing the same tests:
//   asm       a few instructions per architecture (context_x86_64.S, context_aarch64.S):
//             saves only what the C++ ABI says a callee must preserve.
//   ucontext  glibc's swapcontext: also saves the signal mask with a syscall per switch.
//             Kept as the slow, portable reference.
//
// What the asm backend deliberately does not save, and why that is safe:
//   - caller-saved registers: context_switch is an ordinary function call, so the compiler
//     already spilled everything it still needs;
//   - the signal mask: the runtime never changes it per goroutine;
//   - the x87 control word and MXCSR (FP rounding, exception masks): conc::rt never changes
//     them and asks goroutines not to (Go makes the same assumption);
//   - FS/GS (the thread pointer): a goroutine that migrates must see its new thread's
//     thread-locals, which is exactly what not restoring FS gives (see scheduler.cpp on TLS).

#include <cstddef>
#include <cstdint>

#include "runtime/context_offsets.h"

#if defined(CONC_CONTEXT_UCONTEXT)
#include <ucontext.h>
#endif

namespace conc::rt {

#if defined(CONC_CONTEXT_UCONTEXT)
struct Context {
  ucontext_t uc;
};
#elif defined(__x86_64__)
// System V AMD64: rbx, rbp, r12-r15 are callee-saved; rsp and the resume address complete it.
struct Context {
  std::uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
static_assert(offsetof(Context, rbx) == CONC_CTX_RBX);
static_assert(offsetof(Context, rbp) == CONC_CTX_RBP);
static_assert(offsetof(Context, r12) == CONC_CTX_R12);
static_assert(offsetof(Context, r13) == CONC_CTX_R13);
static_assert(offsetof(Context, r14) == CONC_CTX_R14);
static_assert(offsetof(Context, r15) == CONC_CTX_R15);
static_assert(offsetof(Context, rsp) == CONC_CTX_RSP);
static_assert(offsetof(Context, rip) == CONC_CTX_RIP);
static_assert(sizeof(Context) == CONC_CTX_SIZE);
#elif defined(__aarch64__)
// AAPCS64: x19-x28, fp (x29), lr (x30) and the low halves of v8-v15 are callee-saved.
struct Context {
  std::uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29, x30, sp;
  std::uint64_t d8, d9, d10, d11, d12, d13, d14, d15;
};
static_assert(offsetof(Context, x19) == CONC_CTX_X19);
static_assert(offsetof(Context, x21) == CONC_CTX_X21);
static_assert(offsetof(Context, x23) == CONC_CTX_X23);
static_assert(offsetof(Context, x25) == CONC_CTX_X25);
static_assert(offsetof(Context, x27) == CONC_CTX_X27);
static_assert(offsetof(Context, x29) == CONC_CTX_X29);
static_assert(offsetof(Context, sp) == CONC_CTX_SP);
static_assert(offsetof(Context, d8) == CONC_CTX_D8);
static_assert(offsetof(Context, d10) == CONC_CTX_D10);
static_assert(offsetof(Context, d12) == CONC_CTX_D12);
static_assert(offsetof(Context, d14) == CONC_CTX_D14);
static_assert(sizeof(Context) == CONC_CTX_SIZE);
#else
#error \
    "conc::rt has no assembly context switch for this CPU: configure with -DCONC_FIBERS_UCONTEXT=ON"
#endif

using ContextEntry = void (*)(void* arg);

// Prepares `ctx` so that the first context_switch to it calls entry(arg) on the stack
// [stack_lo, stack_lo + stack_size). entry must never return (it switches away for good).
// Precondition: the stack is 16-byte aligned at both ends.
void context_init(Context* ctx, void* stack_lo, std::size_t stack_size, ContextEntry entry,
                  void* arg);

// Saves the caller into `from` and resumes `to`; returns when someone switches back to `from`.
// Memory: everything written before the switch is visible to the resumed context (same thread).
#if defined(CONC_CONTEXT_UCONTEXT)
void context_switch(Context* from, Context* to);
#else
}  // namespace conc::rt
extern "C" void conc_rt_context_switch(conc::rt::Context* from, conc::rt::Context* to);
namespace conc::rt {
// Inline: one call level less between a goroutine and the switch (every return above the
// switch is a likely misprediction after it, so the stack there is kept shallow).
inline void context_switch(Context* from, Context* to) {
  conc_rt_context_switch(from, to);
}
#endif

// The stack pointer a saved context resumes with. Everything the suspended code still needs on
// its stack lies at or above it (no red zone is live across the call into the switch), which
// is exactly what a compact goroutine's stack copy keeps (compact.h).
#if defined(CONC_CONTEXT_UCONTEXT)
std::uintptr_t context_stack_pointer(const Context& ctx);
#elif defined(__x86_64__)
inline std::uintptr_t context_stack_pointer(const Context& ctx) {
  return ctx.rsp;
}
#elif defined(__aarch64__)
inline std::uintptr_t context_stack_pointer(const Context& ctx) {
  return ctx.sp;
}
#endif

// "asm" or "ucontext": which backend this build uses (for reports and lessons).
const char* context_backend();

}  // namespace conc::rt
