// The raw context switch, alone: no scheduler, no threads.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "runtime/context.h"
#include "runtime/stack.h"

using namespace conc::rt;

namespace {

struct Ring {
  Context main{};
  Context ctx[3]{};
  std::string out;
  int rounds = 0;
};

Ring* ring = nullptr;

// Fiber i appends its letter and hands over to the next one; the last returns to main.
template <int I>
void letter(void*) {
  for (;;) {
    ring->out += static_cast<char>('a' + I);
    if (I == 2) {
      ++ring->rounds;
      context_switch(&ring->ctx[I], &ring->main);
    } else {
      context_switch(&ring->ctx[I], &ring->ctx[I + 1]);
    }
  }
}

std::uintptr_t seen_sp = 0;
Context align_main{}, align_ctx{};

void check_alignment(void*) {
  alignas(16) char probe[16];
  seen_sp = reinterpret_cast<std::uintptr_t>(&probe[0]);
  // A call from here must find the ABI's alignment too: __builtin_frame_address is aligned
  // to 16 on x86-64 and aarch64 when the entry was called correctly.
  seen_sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  context_switch(&align_ctx, &align_main);
}

}  // namespace

TEST_SUITE("context switch") {
  TEST_CASE("three contexts run in a deterministic order, and resume where they stopped") {
    StackSpan stacks[3];
    acquire_stacks(std::size_t{64} * 1024, stacks, 3);
    Ring r;
    ring = &r;
    context_init(&r.ctx[0], stacks[0].lo, stacks[0].size() - 256, &letter<0>, nullptr);
    context_init(&r.ctx[1], stacks[1].lo, stacks[1].size() - 256, &letter<1>, nullptr);
    context_init(&r.ctx[2], stacks[2].lo, stacks[2].size() - 256, &letter<2>, nullptr);
    for (int i = 0; i < 3; ++i) {
      context_switch(&r.main, &r.ctx[0]);
    }
    CHECK(r.out == "abcabcabc");
    CHECK(r.rounds == 3);
    release_stacks(stacks, 3);
  }

  TEST_CASE("a new context starts with the ABI's 16-byte stack alignment") {
    StackSpan s;
    acquire_stacks(std::size_t{64} * 1024, &s, 1);
    for (std::size_t shave : {0, 8, 24, 40}) {  // misaligned tops are rounded down
      context_init(&align_ctx, s.lo, s.size() - 256 - shave, &check_alignment, nullptr);
      context_switch(&align_main, &align_ctx);
      CHECK(seen_sp % 16 == 0);
      CHECK(seen_sp > reinterpret_cast<std::uintptr_t>(s.lo));
      CHECK(seen_sp < reinterpret_cast<std::uintptr_t>(s.hi));
    }
    release_stacks(&s, 1);
  }

  TEST_CASE("the backend says what it is") {
    const std::string b = context_backend();
    CHECK((b == "asm" || b == "ucontext"));
  }
}
