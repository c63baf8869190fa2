// context_init for the assembly backends: lay out a fresh Context so that the trampoline in
// context_<arch>.S calls entry(arg) on the new stack.
#include <cstring>

#include "runtime/context.h"

extern "C" void conc_rt_context_trampoline();

namespace conc::rt {

void context_init(Context* ctx, void* stack_lo, std::size_t stack_size, ContextEntry entry,
                  void* arg) {
  std::memset(ctx, 0, sizeof *ctx);
  const auto top = reinterpret_cast<std::uintptr_t>(stack_lo) + stack_size;
  const std::uint64_t sp = top & ~std::uintptr_t{15};
#if defined(__x86_64__)
  ctx->rsp = sp;
  ctx->rip = reinterpret_cast<std::uint64_t>(&conc_rt_context_trampoline);
  ctx->r12 = reinterpret_cast<std::uint64_t>(arg);
  ctx->r13 = reinterpret_cast<std::uint64_t>(entry);
#elif defined(__aarch64__)
  ctx->sp = sp;
  ctx->x30 = reinterpret_cast<std::uint64_t>(&conc_rt_context_trampoline);
  ctx->x19 = reinterpret_cast<std::uint64_t>(arg);
  ctx->x20 = reinterpret_cast<std::uint64_t>(entry);
#endif
}

const char* context_backend() {
  return "asm";
}

}  // namespace conc::rt
