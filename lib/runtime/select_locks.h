#pragma once
// Internal: the channel locks one select holds (select.cpp), and the park of a compact
// goroutine's select (compact_select.cpp), which takes them over.
//
// Invariant: `locks` holds the select's distinct channels in address order (select.cpp's
// total lock order), each locked exactly while the select holds the set.
#include "runtime/chan.h"
#include "runtime/select.h"

namespace conc::rt::detail {

class Worker;
struct Fiber;

struct LockSet {
  ChanCore** locks;
  int n;
};

inline void lock_all(const LockSet& s) {
  for (int i = 0; i < s.n; ++i) {
    s.locks[i]->lock_.lock();
  }
}

// A park's after-switch unlock (a void* callback): the set, in reverse order.
inline void unlock_all(void* arg) {
  const auto* s = static_cast<const LockSet*>(arg);
  for (int i = s->n; i-- > 0;) {
    s->locks[i]->unlock();
  }
}

// Step 5 onwards of select_impl for a compact goroutine (compact.h), with `set` locked:
// enqueues, parks and returns the index of the case that fired, as select_impl does.
[[gnu::noinline]] int park_compact_select(Worker* worker, Fiber* g, SelectCase* cases,
                                          const int* poll, int np, LockSet& set, bool* recv_ok);

}  // namespace conc::rt::detail
