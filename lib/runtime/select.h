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

template <class T>
struct RecvCase {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                CONC_RT_NOTHROW_MOVE_MESSAGE("RecvCase<T>"));
  ChanCore* chan;
  std::optional<T>* out;
  Slot<T> slot;
  SelectCase as_case() { return SelectCase{chan, slot.ptr(), false}; }
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
  ChanCore* chan;
  T value;
  SelectCase as_case() { return SelectCase{chan, &value, true}; }
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
  return detail::RecvCase<T>{ch.core(), &out, {}};
}

template <class T, class U>
detail::SendCase<T> send_case(const Chan<T>& ch, U&& value) {
  return detail::SendCase<T>{ch.core(), T(std::forward<U>(value))};
}

inline detail::DefaultCase default_case() {
  return {};
}

template <class... Cases>
int select(Cases&&... cases) {
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
