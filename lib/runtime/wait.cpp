// WaitQueue::pop_claimed: the one place where a waiter is taken out of a queue to be woken.
// ready_batch: where a batch of them is woken.
#include "runtime/wait.h"

#include "runtime/sched.h"

namespace conc::rt::detail {

Waiter* WaitQueue::pop_claimed(bool from_outside) {
  while (Waiter* w = head_) {
    remove(w);
    if (!w->in_select && !from_outside) {
      w->g->wait_token.store((w->seq << 2) | 1, std::memory_order_relaxed);
      w->g->fired = w;
      return w;
    }
    if (claim_wake(w->g, w->seq)) {
      w->g->fired = w;
      return w;
    }
  }
  return nullptr;
}

Waiter* WaitQueue::pop_all_claimed(Waiter* batch) {
  while (Waiter* w = pop_claimed()) {
    w->wake_next = batch;
    batch = w;
  }
  return batch;
}

void ready_batch(Waiter* batch) {
  while (batch != nullptr) {
    Waiter* next = batch->wake_next;  // read first: once readied, the waiter may be gone
    ready(batch->g);
    batch = next;
  }
}

}  // namespace conc::rt::detail
