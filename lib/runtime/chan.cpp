// Channels (Go's runtime/chan.go, for C++ values). Invariants: see ChanCore in chan.h.
//
// Every operation takes the channel's lock, and only then looks at the queues: a waiter is
// published and removed under the lock, and park() releases the lock only after the waiting
// goroutine is switched out. Values move once from the sender's object to the receiver's
// storage (or through one buffer slot); no operation allocates.
#include "runtime/chan.h"

#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#include "runtime/sched.h"
#include "runtime/timer.h"

namespace conc::rt::detail {

namespace {
std::atomic<std::uint64_t> next_object_id{1};
}  // namespace

ChanCore::ChanCore(std::size_t capacity, const ElemOps* ops, SourceLocation where)
    : cap_(capacity),
      ops_(ops),
      stride_((ops->size + ops->align - 1) / ops->align * ops->align),
      info_("chan", where) {
  if (capacity > (std::size_t{1} << 40) / std::max<std::size_t>(stride_, 1)) {
    throw RuntimeError("makechan: size out of range");
  }
  if (cap_ > 0) {
    buf_ = static_cast<std::byte*>(::operator new(cap_* stride_, std::align_val_t(ops->align)));
  }
}

ChanCore::~ChanCore() {
  for (std::size_t i = 0; i < count_; ++i) {
    ops_->destroy(slot((recvx_ + i) % cap_));
  }
  if (buf_ != nullptr) {
    ::operator delete(buf_, std::align_val_t(ops_->align));
  }
}

void ChanCore::send(void* elem) {
  lock_.lock();
  if (closed_) {
    unlock();
    throw RuntimeError("send on closed channel");
  }
  Fiber* wake = nullptr;
  if (try_send_locked(elem, &wake)) {
    unlock();
    if (wake != nullptr) {
      ready(wake);
    }
    return;
  }
  Worker* w = current_worker();  // read once, before park: valid until something switches
  Fiber* g = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
  if (g == nullptr) {
    fatal("Chan::send blocked outside a goroutine");
  }
  if (g->compact != nullptr) [[unlikely]] {
    send_parked_compact(w, g, elem);  // compact_chan.cpp
    return;
  }
  Waiter me;
  me.g = g;
  me.seq = begin_wait(g);
  me.elem = elem;
  me.is_send = true;
  sendq_.push(&me);
  LeaveQueue leave{&lock_, &sendq_, &me};
  if (park_on(w, WaitReason::chan_send, &info_, &ChanCore::unlock_fn, this,
              {&leave_queue, &leave}) == Wake::cancelled) {
    throw_cancelled();
  }
  if (!me.success) {
    throw RuntimeError("send on closed channel");  // closed while we were blocked
  }
}

bool ChanCore::recv(void* elem) {
  lock_.lock();
  Fiber* wake = nullptr;
  const int r = try_recv_locked(elem, &wake);
  if (r != 0) {
    unlock();
    if (wake != nullptr) {
      ready(wake);
    }
    return r > 0;
  }
  Worker* w = current_worker();
  Fiber* g = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
  if (g == nullptr) {
    fatal("Chan::recv blocked outside a goroutine");
  }
  if (g->compact != nullptr) [[unlikely]] {
    return recv_parked_compact(w, g, elem);  // compact_chan.cpp
  }
  Waiter me;
  me.g = g;
  me.seq = begin_wait(g);
  me.elem = elem;
  recvq_.push(&me);
  LeaveQueue leave{&lock_, &recvq_, &me};
  if (park_on(w, WaitReason::chan_recv, &info_, &ChanCore::unlock_fn, this,
              {&leave_queue, &leave}) == Wake::cancelled) {
    throw_cancelled();
  }
  return me.success;
}

bool ChanCore::try_send(void* elem) {
  lock_.lock();
  if (closed_) {
    unlock();
    throw RuntimeError("send on closed channel");
  }
  Fiber* wake = nullptr;
  const bool sent = try_send_locked(elem, &wake);
  unlock();
  if (wake != nullptr) {
    ready(wake);
  }
  return sent;
}

bool ChanCore::try_send_value(void* elem) {
  lock_.lock();
  Fiber* wake = nullptr;
  const bool sent = !closed_ && try_send_locked(elem, &wake, /*from_outside=*/true);
  unlock();
  if (wake != nullptr) {
    ready(wake);
  }
  return sent;
}

ChanStatus ChanCore::try_recv(void* elem) {
  lock_.lock();
  Fiber* wake = nullptr;
  const int r = try_recv_locked(elem, &wake);
  unlock();
  if (wake != nullptr) {
    ready(wake);
  }
  return r > 0 ? ChanStatus::ok : r < 0 ? ChanStatus::closed : ChanStatus::empty;
}

void ChanCore::race_sent_to_waiting(Fiber* receiver) {
  if (cap_ == 0) {
    race_chan_handoff(&info_, nullptr, receiver);
    return;
  }
  // The buffer is empty (recvx_ == sendx_): as in Go, the value counts as passing through the
  // slot at recvx, and both indices move on, so that the slot receives k and sends k+C meet in
  // stays the same. (Without the detector the indices stay: nothing reads them then.)
  race_chan_send(&info_, recvx_, nullptr);
  race_chan_recv(&info_, recvx_, receiver);
  recvx_ = recvx_ + 1 == cap_ ? 0 : recvx_ + 1;
  sendx_ = recvx_;
}

void ChanCore::race_received_from_waiting(Fiber* sender) {
  if (cap_ == 0) {
    race_chan_handoff(&info_, sender, nullptr);
    return;
  }
  // The buffer is full: we take its head (slot recvx) and the sender's value goes to the same
  // slot, its new tail. A receive, then the send that receive made room for.
  race_chan_recv(&info_, recvx_, nullptr);
  race_chan_send(&info_, recvx_, sender);
}

void ChanCore::close() {
  lock_.lock();
  if (closed_) {
    unlock();
    throw RuntimeError("close of closed channel");
  }
  closed_ = true;
  if (checks_on()) [[unlikely]] {
    race_chan_closing(&info_);
  }
  // Release every receiver (they get nullopt) and every sender (they will panic).
  Waiter* batch = nullptr;
  for (WaitQueue* q : {&recvq_, &sendq_}) {
    while (Waiter* w = q->pop_claimed()) {
      w->success = false;
      w->wake_next = batch;
      batch = w;
      if (!w->is_send && checks_on()) [[unlikely]] {
        race_chan_recv_closed(&info_, w->g);
      }
    }
  }
  unlock();
  ready_batch(batch);
}

std::size_t ChanCore::len() {
  lock_.lock();
  const std::size_t n = count_;
  unlock();
  return n;
}

namespace {
using DeferredHandles = std::vector<std::shared_ptr<ChanCore>>;
}  // namespace

// On every select case's path: one call, reading this thread's worker directly (a fresh call,
// so no thread-local address from before a switch can be reused).
CasePins* current_case_pins() {
  Worker* w = tls_worker;
  Fiber* g = w != nullptr ? w->current.load(std::memory_order_relaxed) : nullptr;
  return g != nullptr ? &g->case_pins : nullptr;
}

void release_deferred(CasePins* pins) {
  delete static_cast<DeferredHandles*>(std::exchange(pins->deferred, nullptr));
}

void drop_handle(std::shared_ptr<ChanCore>& core) noexcept {
  CasePins* pins = current_case_pins();
  if (pins == nullptr || pins->count == 0) {
    return;  // the usual case: the shared_ptr releases it
  }
  if (pins->deferred == nullptr) {
    pins->deferred = new (std::nothrow) DeferredHandles;
    if (pins->deferred == nullptr) {
      fatal("out of memory setting a channel handle aside for a select case");
    }
  }
  try {
    static_cast<DeferredHandles*>(pins->deferred)->push_back(std::move(core));
  } catch (const std::bad_alloc&) {
    fatal("out of memory setting a channel handle aside for a select case");
  }
}

void block_forever(int reason) {
  Fiber* g = current_fiber_checked("a nil channel operation");
  begin_wait(g);
  park(reason == 0 ? WaitReason::chan_send_nil : WaitReason::chan_recv_nil, nullptr, nullptr,
       nullptr);
  throw_cancelled();  // only cancellation ends a wait on a nil channel
}

}  // namespace conc::rt::detail

namespace conc::rt {

ObjectInfo::ObjectInfo(const char* kind_name, SourceLocation loc)
    : kind(kind_name),
      id(detail::next_object_id.fetch_add(1, std::memory_order_relaxed)),
      file(loc.file_name()),
      line(loc.line()) {}

Chan<Time> after(std::chrono::nanoseconds d, SourceLocation where) {
  Chan<Time> c(1, where);
  detail::Fiber* g = detail::current_fiber_checked("after()");
  const std::int64_t deadline = g->sched->now_ns() + std::max<std::int64_t>(d.count(), 0);
  g->sched->timers().add_channel(deadline, c.shared_core());
  return c;
}

}  // namespace conc::rt
