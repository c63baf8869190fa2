// A channel's blocking send and receive for a compact goroutine (compact.h): the only place
// channels meet compact goroutines, entered from ChanCore::send and recv (chan.cpp) once they
// must park.
//
// Invariants (besides ChanCore's, chan.h):
//   - while parked, the waiter, the cleanup record and the value in transit live off the
//     stack (CompactState, ParkedValue), so a waker never touches a stack that may be copied
//     out and released;
//   - the off-stack copy of a sent value is destroyed exactly once, delivered or not.
#include "runtime/chan.h"
#include "runtime/compact.h"
#include "runtime/sched.h"

namespace conc::rt::detail {

// A compact goroutine's stack may be copied out and released while it waits, so the receiver
// that takes its value must find it off the stack: move it to the goroutine's ParkedValue.
void ChanCore::send_parked_compact(Worker* w, Fiber* g, void* elem) {
  CompactState& c = *g->compact;
  ParkedValue value(c, ops_->size, ops_->align);
  ops_->move_construct(value.get(), elem);
  struct DestroyValue {  // whether delivered (moved from) or not, the copy is ours to end
    const ElemOps* ops;
    void* p;
    ~DestroyValue() { ops->destroy(p); }
  } destroy{ops_, value.get()};
  Waiter& me = c.waiter;
  me = Waiter{};
  me.g = g;
  me.seq = begin_wait(g);
  me.elem = value.get();
  me.is_send = true;
  sendq_.push(&me);
  LeaveQueue leave{&lock_, &sendq_, &me};
  if (park_on(w, WaitReason::chan_send, &info_, &ChanCore::unlock_fn, this,
              {&leave_queue, &park_cleanup(g, leave)}) == Wake::cancelled) {
    throw_cancelled();
  }
  if (!me.success) {
    throw RuntimeError("send on closed channel");
  }
}

// ... and the sender that hands it a value constructs it in the goroutine's ParkedValue.
bool ChanCore::recv_parked_compact(Worker* w, Fiber* g, void* elem) {
  CompactState& c = *g->compact;
  ParkedValue slot(c, ops_->size, ops_->align);
  Waiter& me = c.waiter;
  me = Waiter{};
  me.g = g;
  me.seq = begin_wait(g);
  me.elem = slot.get();
  recvq_.push(&me);
  LeaveQueue leave{&lock_, &recvq_, &me};
  if (park_on(w, WaitReason::chan_recv, &info_, &ChanCore::unlock_fn, this,
              {&leave_queue, &park_cleanup(g, leave)}) == Wake::cancelled) {
    throw_cancelled();
  }
  if (!me.success) {
    return false;  // closed: nothing was constructed
  }
  ops_->move_construct(elem, slot.get());
  ops_->destroy(slot.get());
  return true;
}

}  // namespace conc::rt::detail
