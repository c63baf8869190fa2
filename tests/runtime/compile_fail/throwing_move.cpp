// Must NOT compile: channels and select cases refuse an element type whose move may throw
// (chan.h). CTest compiles it once per case (-DCASE_CHAN, -DCASE_SEND, -DCASE_RECV) and passes
// when the compiler's output carries the static_assert's message.
#include <optional>

#include "runtime/chan.h"
#include "runtime/select.h"

struct ThrowingMove {
  ThrowingMove() = default;
  ThrowingMove(ThrowingMove&&) noexcept(false) {}
};

void instantiate() {
#if defined(CASE_CHAN)
  conc::rt::Chan<ThrowingMove> c(1);
  (void)c;
#elif defined(CASE_SEND)
  conc::rt::detail::SendCase<ThrowingMove> s{nullptr, ThrowingMove{}};
  (void)s;
#elif defined(CASE_RECV)
  std::optional<ThrowingMove> out;
  conc::rt::detail::RecvCase<ThrowingMove> r{nullptr, &out, {}};
  (void)r;
#endif
}
