#pragma once
// select over channels, with Go's rules:
//
//   std::optional<int> a;
//   switch (rt::select(rt::recv_case(ca, a), rt::send_case(cb, 7), rt::default_case())) {
//     case 0: /* received from ca: a holds the value, or nullopt if ca is closed */ break;
//     case 1: /* sent 7 on cb */ break;
//     case 2: /* nothing was ready: the default */ break;
//   }
//
// - Returns the position (0-based, in argument order) of the case that proceeded.
// - When several cases are ready, one is chosen uniformly at random (a Fisher-Yates shuffled
//   poll order, as Go's selectgo builds).
// - Cases on nil channels are never chosen. Without a default case, a select whose channels
//   are all nil blocks forever (a goroutine in `select {}`).
// - A send case on a closed channel panics ("send on closed channel"), also when the channel
//   is closed while the select waits.
// - Timeouts: rt::recv_case(rt::after(100ms), t).
// - As Go evaluates a select's channel operands once, a case holds the channel it was built
//   on: reassigning or dropping the Chan afterwards, even its last handle, leaves the case on
//   the original channel. In
//     auto on_ch = rt::recv_case(ch, v);                  // built first, as Go reads ch first
//     auto on_nil = rt::send_case(nil_ch, close_and_forget(ch));
//     rt::select(on_ch, on_nil);
//   the receive fires on the original, now closed, channel. (Within one call, C++ leaves the
//   order of evaluating select's arguments unspecified: build cases in statements of their
//   own when one's expression changes another's channel.) How, without a reference count on
//   the select path: while a goroutine has cases alive, the Chan handles it drops are set
//   aside and released when its last case is gone (chan.h, CasePins). The difference from
//   Go's garbage collector: a case built on a handle that another goroutine owns (captured by
//   reference) needs that handle alive until the select returns, as any shared object.
//
// Preconditions: called from a goroutine; at most one default_case.
// Memory ordering: the chosen case synchronises exactly as the same send or receive would.

#include <cstddef>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "runtime/chan.h"

namespace conc::rt {

namespace detail {

struct SelectCase {
  ChanCore* chan;  // null: a nil channel, never chosen
  void* elem;
  bool is_send;
};

struct SelectScratch {  // caller-provided arrays of n entries each (2n for order)
  int* order;
  ChanCore** locks;
  Waiter* waiters;
  const ObjectInfo** objects;
};

// Go's selectgo. Returns the index of the case that proceeded (-1: the default);
// *recv_ok tells a receive whether it got a value (false: closed).
int select_impl(SelectCase* cases, int n, bool has_default, bool* recv_ok, SelectScratch scratch);

// A case's channel, kept alive from the case's construction to its destruction.
class CaseHold {
 public:
  explicit CaseHold(ChanCore* c) : chan(c), pins_(c != nullptr ? current_case_pins() : nullptr) {
    if (pins_ != nullptr) {
      ++pins_->count;
    }
  }
  CaseHold(CaseHold&& o) noexcept : chan(o.chan), pins_(std::exchange(o.pins_, nullptr)) {}
  CaseHold(const CaseHold&) = delete;
  CaseHold& operator=(const CaseHold&) = delete;
  CaseHold& operator=(CaseHold&&) = delete;
  ~CaseHold() {
    if (pins_ != nullptr && --pins_->count == 0 && pins_->deferred != nullptr) [[unlikely]] {
      release_deferred(pins_);
    }
  }

  ChanCore* const chan;  // null: a nil channel

 private:
  CasePins* pins_;  // the building goroutine's (it stays the same across switches)
};

template <class T>
struct RecvCase {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                CONC_RT_NOTHROW_MOVE_MESSAGE("RecvCase<T>"));
  CaseHold hold;
  std::optional<T>* out;
  Slot<T> slot;
  SelectCase as_case() { return SelectCase{hold.chan, slot.ptr(), false}; }
  void finish(bool ok) {
    if (ok) {
      *out = slot.take();
    } else {
      out->reset();
    }
  }
};

template <class T>
struct SendCase {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                CONC_RT_NOTHROW_MOVE_MESSAGE("SendCase<T>"));
  CaseHold hold;
  T value;
  SelectCase as_case() { return SelectCase{hold.chan, &value, true}; }
  void finish(bool) {}
};

struct DefaultCase {
  void finish(bool) {}
};

template <class C>
inline constexpr bool kIsDefault = std::is_same_v<std::decay_t<C>, DefaultCase>;

}  // namespace detail

template <class T>
detail::RecvCase<T> recv_case(const Chan<T>& ch, std::optional<T>& out) {
  return detail::RecvCase<T>{detail::CaseHold(ch.core()), &out, {}};
}

template <class T, class U>
detail::SendCase<T> send_case(const Chan<T>& ch, U&& value) {
  return detail::SendCase<T>{detail::CaseHold(ch.core()), T(std::forward<U>(value))};
}

inline detail::DefaultCase default_case() {
  return {};
}

// Go's `select {}`: no cases; waits until the program ends ([select (no cases)]).
inline int select() {
  detail::select_impl(nullptr, 0, false, nullptr, {});
  __builtin_unreachable();  // select_impl only unwinds from here
}

// Always inlined: out of line (GCC's choice once cases hold their channels), the call and the
// cases' round trip through memory made select2 about 5% slower than inlined.
template <class... Cases>
[[gnu::always_inline]] inline int select(Cases&&... cases) {
  constexpr int kDefaults = (0 + ... + (detail::kIsDefault<Cases> ? 1 : 0));
  static_assert(kDefaults <= 1, "select: at most one default_case");
  constexpr int kN = static_cast<int>(sizeof...(Cases)) - kDefaults;
  constexpr int kSlots = kN > 0 ? kN : 1;
  detail::SelectCase cs[kSlots];
  int position[kSlots];
  int n = 0;
  int pos = 0;
  auto add = [&](auto& c) {
    if constexpr (!detail::kIsDefault<decltype(c)>) {
      position[n] = pos;
      cs[n++] = c.as_case();
    }
    ++pos;
  };
  (add(cases), ...);
  int order[2 * kSlots];
  detail::ChanCore* locks[kSlots];
  // Raw storage: select_impl constructs a waiter only for a case it enqueues (step 5).
  alignas(detail::Waiter) std::byte waiters[sizeof(detail::Waiter) * kSlots];
  const ObjectInfo* objects[kSlots];
  bool ok = false;
  const int chosen =
      detail::select_impl(cs, kN, kDefaults == 1, &ok,
                          {order, locks, reinterpret_cast<detail::Waiter*>(waiters), objects});
  int default_pos = 0;
  int p = 0;
  ((detail::kIsDefault<Cases> ? (void)(default_pos = p) : (void)0, ++p), ...);
  const int result = chosen < 0 ? default_pos : position[chosen];
  p = 0;
  ((p++ == result ? cases.finish(ok) : void()), ...);
  return result;
}

}  // namespace conc::rt
