// WaitQueue::pop_claimed: the one place where a waiter is taken out of a queue to be woken.
#include "runtime/wait.h"

#include "runtime/sched.h"

namespace conc::rt::detail {

Waiter* WaitQueue::pop_claimed() {
  while (Waiter* w = head_) {
    remove(w);
    if (claim_wake(w->g, w->seq)) {
      w->g->fired = w;
      return w;
    }
  }
  return nullptr;
}

}  // namespace conc::rt::detail
