// The slow, portable backend: glibc's makecontext/swapcontext. swapcontext also saves and
// restores the signal mask with rt_sigprocmask, a syscall per switch (against
// a few register moves for the assembly switch): that difference is the reason the asm backend
// exists.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/context.h"

namespace conc::rt {

namespace {

// makecontext passes int arguments only: the entry and its argument travel as 32-bit halves.
void trampoline(unsigned entry_hi, unsigned entry_lo, unsigned arg_hi, unsigned arg_lo) {
  const auto join = [](unsigned hi, unsigned lo) {
    return (static_cast<std::uintptr_t>(hi) << 32) | lo;
  };
  auto entry = reinterpret_cast<ContextEntry>(join(entry_hi, entry_lo));
  entry(reinterpret_cast<void*>(join(arg_hi, arg_lo)));
  std::fputs("conc::rt: a context entry returned\n", stderr);
  std::abort();
}

}  // namespace

void context_init(Context* ctx, void* stack_lo, std::size_t stack_size, ContextEntry entry,
                  void* arg) {
  std::memset(ctx, 0, sizeof *ctx);
  if (getcontext(&ctx->uc) != 0) {
    std::perror("conc::rt: getcontext");
    std::abort();
  }
  ctx->uc.uc_stack.ss_sp = stack_lo;
  ctx->uc.uc_stack.ss_size = stack_size;
  ctx->uc.uc_link = nullptr;
  const auto e = reinterpret_cast<std::uintptr_t>(entry);
  const auto a = reinterpret_cast<std::uintptr_t>(arg);
  makecontext(&ctx->uc, reinterpret_cast<void (*)()>(&trampoline), 4,
              static_cast<unsigned>(e >> 32), static_cast<unsigned>(e),
              static_cast<unsigned>(a >> 32), static_cast<unsigned>(a));
}

void context_switch(Context* from, Context* to) {
  if (swapcontext(&from->uc, &to->uc) != 0) {
    std::perror("conc::rt: swapcontext");
    std::abort();
  }
}

std::uintptr_t context_stack_pointer(const Context& ctx) {
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(ctx.uc.uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(ctx.uc.uc_mcontext.sp);
#else
#error "context_stack_pointer: unknown CPU for the ucontext backend"
#endif
}

const char* context_backend() {
  return "ucontext";
}

}  // namespace conc::rt
