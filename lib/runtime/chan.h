#pragma once
// Chan<T>: Go's channels. A Chan is a handle (copies share one channel, like Go's reference
// type); a default-constructed Chan is the nil channel.
//
//   op \ channel   nil              open                                 closed
//   send(v)        blocks forever   unbuffered: waits for a receiver;    throws Panic("send on
//                                   buffered: waits only when full       closed channel")
//   recv()         blocks forever   waits while empty (unbuffered: for   buffered values first,
//                                   a sender)                            then nullopt at once
//   close()        Panic("close of  wakes every receiver (nullopt) and   Panic("close of closed
//                  nil channel")    every blocked sender (it panics)     channel")
//   len(), cap()   0, 0             queued values, capacity              remaining values, cap
//
// Preconditions: send, recv and close may block or wake goroutines and must be called from a
// goroutine (try_send and try_recv too). Capacity is fixed at construction.
//
// Memory ordering (Go's memory model): a send happens-before the matching receive completes;
// close() happens-before a receive that returns nullopt because of it; for capacity C, the
// k-th receive happens-before the (k+C)-th send completes (the counting-semaphore idiom).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include "runtime/source_location.h"

#include "runtime/hooks.h"
#include "runtime/object_info.h"
#include "runtime/panic.h"
#include "runtime/spinlock.h"
#include "runtime/wait.h"

namespace conc::rt {

enum class ChanStatus { ok, full, empty, closed };

namespace detail {

class Worker;

struct ElemOps {
  void (*move_construct)(void* dst, void* src);
  void (*destroy)(void* p);
  std::size_t size;
  std::size_t align;
  bool trivial;  // trivially copyable: moved with memcpy, inline, and never destroyed
};

template <class T>
inline constexpr ElemOps kElemOps{
    [](void* dst, void* src) { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) { static_cast<T*>(p)->~T(); }, sizeof(T), alignof(T),
    std::is_trivially_copyable_v<T>&& std::is_trivially_destructible_v<T>};

// Uninitialised storage a receive constructs into.
template <class T>
struct Slot {
  alignas(T) std::byte bytes[sizeof(T)];  // NOLINT(bugprone-sizeof-expression): T may be a pointer
  void* ptr() { return bytes; }
  T take() {
    T* p = std::launder(reinterpret_cast<T*>(bytes));
    T v(std::move(*p));
    p->~T();
    return v;
  }
};

// The type-erased channel (Go's hchan); select works on these.
class ChanCore {
 public:
  ChanCore(std::size_t capacity, const ElemOps* ops, SourceLocation where);
  ~ChanCore();
  ChanCore(const ChanCore&) = delete;
  ChanCore& operator=(const ChanCore&) = delete;

  [[gnu::flatten]] void send(void* elem);
  [[gnu::flatten]] bool recv(void* elem);  // false: closed and drained
  bool try_send(void* elem);
  ChanStatus try_recv(void* elem);
  bool try_send_value(void* elem);  // timers: like try_send, but never panics
  void close();
  std::size_t len();
  std::size_t cap() const { return cap_; }
  const ObjectInfo& info() const { return info_; }
  const ElemOps* elem_ops() const { return ops_; }

  // For select (lock_ held): complete without blocking if possible; *to_wake is the
  // goroutine to ready once unlocked. recv returns 1 (value), -1 (closed, drained), 0 (block).
  bool try_send_locked(void* elem, Fiber** to_wake, bool from_outside = false);  // (below)
  int try_recv_locked(void* elem, Fiber** to_wake);
  void enqueue_locked(Waiter* w);
  void dequeue_locked(Waiter* w);
  bool closed_locked() const { return closed_; }
  SpinLock lock_;
  void unlock() { lock_.unlock(); }
  static void unlock_fn(void* core) { static_cast<ChanCore*>(core)->unlock(); }

 private:
  // The blocking halves of send and recv for a compact goroutine (compact.h, compact_chan.cpp):
  // the waiter and the value in flight live off its stack. Called with lock_ held.
  // noinline: send and recv are flattened, and these must not grow them.
  [[gnu::noinline]] void send_parked_compact(Worker* w, Fiber* g, void* elem);
  [[gnu::noinline]] bool recv_parked_compact(Worker* w, Fiber* g, void* elem);
  // The race detector's edges of a value handed to a waiting receiver, and of a receive that
  // takes the value of a waiting sender (before the buffer moves).
  [[gnu::noinline]] void race_sent_to_waiting(Fiber* receiver);
  [[gnu::noinline]] void race_received_from_waiting(Fiber* sender);

  void* slot(std::size_t i) { return buf_ + i * stride_; }
  // Fixed sizes become single moves; a variable-size memcpy would be a libc call per item.
  void copy_trivial(void* dst, const void* src) {
    switch (ops_->size) {
      case 8:
        std::memcpy(dst, src, 8);
        break;
      case 4:
        std::memcpy(dst, src, 4);
        break;
      case 16:
        std::memcpy(dst, src, 16);
        break;
      case 1:
        std::memcpy(dst, src, 1);
        break;
      default:
        std::memcpy(dst, src, ops_->size);
        break;
    }
  }
  void move_in(void* dst, void* src) {
    if (ops_->trivial) {
      copy_trivial(dst, src);
    } else {
      ops_->move_construct(dst, src);
    }
  }
  // Moves a buffered value out to dst and ends its life in the buffer.
  void move_out(void* dst, void* src) {
    if (ops_->trivial) {
      copy_trivial(dst, src);
    } else {
      ops_->move_construct(dst, src);
      ops_->destroy(src);
    }
  }

  // Invariants (with lock_ held), as in Go's chan.go:
  //   - at most one of sendq_ and recvq_ is non-empty;
  //   - buffered: count_ > 0 implies recvq_ empty; count_ < cap_ implies sendq_ empty;
  //   - closed_ implies sendq_ empty (close wakes every sender), and never becomes false;
  //   - slots [recvx_, recvx_ + count_) (mod cap_) hold constructed values, the rest raw bytes.
  const std::size_t cap_;
  const ElemOps* ops_;
  std::size_t stride_;
  std::byte* buf_ = nullptr;
  std::size_t count_ = 0, recvx_ = 0, sendx_ = 0;
  bool closed_ = false;
  WaitQueue sendq_, recvq_;
  ObjectInfo info_;
};

// Inline: the hot path of every send, receive and select.
inline bool ChanCore::try_send_locked(void* elem, Fiber** to_wake, bool from_outside) {
  Waiter* r = recvq_.empty() ? nullptr : recvq_.pop_claimed(from_outside);
  if (r != nullptr) {  // a receiver is waiting: hand over directly
    move_in(r->elem, elem);
    r->success = true;
    *to_wake = r->g;
    if (checks_on()) [[unlikely]] {
      race_sent_to_waiting(r->g);
    }
    return true;
  }
  if (count_ < cap_) {
    if (checks_on()) [[unlikely]] {
      race_chan_send(&info_, sendx_, nullptr);
    }
    move_in(slot(sendx_), elem);
    sendx_ = sendx_ + 1 == cap_ ? 0 : sendx_ + 1;
    ++count_;
    return true;
  }
  return false;
}

inline int ChanCore::try_recv_locked(void* elem, Fiber** to_wake) {
  Waiter* s = sendq_.empty() ? nullptr : sendq_.pop_claimed();
  if (s != nullptr) {
    if (checks_on()) [[unlikely]] {
      race_received_from_waiting(s->g);
    }
    if (cap_ == 0) {
      move_in(elem, s->elem);
    } else {
      // The buffer is full (a sender waits): take its head and put the sender's value at the
      // tail, which is the same slot, so the FIFO order holds.
      move_out(elem, slot(recvx_));
      move_in(slot(recvx_), s->elem);
      recvx_ = recvx_ + 1 == cap_ ? 0 : recvx_ + 1;
      sendx_ = recvx_;
    }
    s->success = true;
    *to_wake = s->g;
    return 1;
  }
  if (count_ > 0) {
    if (checks_on()) [[unlikely]] {
      race_chan_recv(&info_, recvx_, nullptr);
    }
    move_out(elem, slot(recvx_));
    recvx_ = recvx_ + 1 == cap_ ? 0 : recvx_ + 1;
    --count_;
    return 1;
  }
  if (closed_ && checks_on()) [[unlikely]] {
    race_chan_recv_closed(&info_, nullptr);
  }
  return closed_ ? -1 : 0;
}

inline void ChanCore::enqueue_locked(Waiter* w) {
  (w->is_send ? sendq_ : recvq_).push(w);
}
inline void ChanCore::dequeue_locked(Waiter* w) {
  (w->is_send ? sendq_ : recvq_).remove(w);
}

[[noreturn]] void block_forever(int reason);  // a nil channel's send or receive

// A goroutine's select cases under construction or in use, which keep their channels alive
// (select.h): while count > 0, every Chan handle the goroutine drops is set aside in `deferred`
// instead of released, and released when count returns to 0. No atomic read-modify-write on
// the select path: a case bumps its own goroutine's count through a pointer it keeps.
// (CasePins: wait.h.)
CasePins* current_case_pins();          // null outside goroutines
void release_deferred(CasePins* pins);  // count is 0: release the handles set aside
// A handle's drop: sets the reference aside if the calling goroutine has cases pinned.
void drop_handle(std::shared_ptr<ChanCore>& core) noexcept;

}  // namespace detail

template <class T>
struct TryRecv {
  ChanStatus status;  // ok (value holds it), empty, or closed (and drained)
  std::optional<T> value;
};

// Values are moved while a channel's lock is held, between a waiter being claimed and being
// readied: a move that threw there would leave the buffer, the queue and the claimed waiter
// inconsistent, with no way back. Hence:
#define CONC_RT_NOTHROW_MOVE_MESSAGE(what)                                                     \
  what ": the element type must be nothrow move constructible (values are moved mid-handoff, " \
       "under the channel's lock; a throwing move would break its invariants). Wrap it, e.g. " \
       "in std::unique_ptr."

template <class T>
class Chan {
  static_assert(std::is_nothrow_move_constructible_v<T>, CONC_RT_NOTHROW_MOVE_MESSAGE("Chan<T>"));

 public:
  Chan() = default;  // the nil channel
  explicit Chan(std::size_t capacity, SourceLocation where = SourceLocation::current())
      : core_(std::make_shared<detail::ChanCore>(capacity, &detail::kElemOps<T>, where)) {}
  Chan(const Chan&) = default;
  Chan(Chan&&) noexcept = default;
  // Dropping a reference (destruction, assignment) goes through drop_handle: a select case
  // being built by this goroutine may need the channel after its last handle is gone.
  Chan& operator=(Chan other) noexcept {
    core_.swap(other.core_);
    return *this;
  }
  ~Chan() {
    if (core_ != nullptr) {
      detail::drop_handle(core_);
    }
  }

  // Blocks until delivered (see the table above). Panics on a closed channel.
  void send(T value) const {
    if (core_ == nullptr) {
      detail::block_forever(0);
    }
    core_->send(&value);
  }
  // A value, or nullopt once the channel is closed and drained.
  std::optional<T> recv() const {
    if (core_ == nullptr) {
      detail::block_forever(1);
    }
    detail::Slot<T> s;
    if (!core_->recv(s.ptr())) {
      return std::nullopt;
    }
    return s.take();
  }
  // ok, or full if it would block (a nil channel is always full). Panics if closed.
  ChanStatus try_send(T value) const {
    if (core_ == nullptr) {
      return ChanStatus::full;
    }
    return core_->try_send(&value) ? ChanStatus::ok : ChanStatus::full;
  }
  TryRecv<T> try_recv() const {
    if (core_ == nullptr) {
      return {ChanStatus::empty, std::nullopt};
    }
    detail::Slot<T> s;
    const ChanStatus st = core_->try_recv(s.ptr());
    if (st != ChanStatus::ok) {
      return {st, std::nullopt};
    }
    return {ChanStatus::ok, s.take()};
  }
  void close() const {
    if (core_ == nullptr) {
      throw RuntimeError("close of nil channel");
    }
    core_->close();
  }
  std::size_t len() const { return core_ == nullptr ? 0 : core_->len(); }
  std::size_t cap() const { return core_ == nullptr ? 0 : core_->cap(); }
  bool is_nil() const { return core_ == nullptr; }

  detail::ChanCore* core() const { return core_.get(); }
  const std::shared_ptr<detail::ChanCore>& shared_core() const { return core_; }

 private:
  std::shared_ptr<detail::ChanCore> core_;
};

using Time = std::chrono::steady_clock::time_point;

// A channel (capacity 1) that receives the time once d has passed (Go's time.After). Its timer
// counts as pending work: goroutines waiting on it are not reported as deadlocked.
Chan<Time> after(std::chrono::nanoseconds d, SourceLocation where = SourceLocation::current());

}  // namespace conc::rt
