// select (Go's runtime/select.go, selectgo), in numbered steps.
//
// Invariants:
//   - the channels of a select are locked in address order (the same total order every select
//     and every single-channel operation agrees with), so two selects cannot deadlock on locks;
//   - all of a select's waiters carry the same goroutine and wait seq: the first waker to
//     claim that seq wins, every other waiter of the select is a loser its waker skips;
//   - when the select returns, none of its waiters is linked in any queue (step 6).
#include "runtime/select.h"

#include <algorithm>
#include <cstddef>
#include <new>

#include "runtime/sched.h"
#include "runtime/select_locks.h"

namespace conc::rt::detail {

namespace {

// One case of pass 1, its channel locked: 1 = done, 0 = not ready, -1 = send on closed.
int try_case(SelectCase& c, Fiber** wake, bool* recv_ok) {
  if (c.is_send) {
    if (c.chan->closed_locked()) {
      return -1;
    }
    return c.chan->try_send_locked(c.elem, wake) ? 1 : 0;
  }
  const int r = c.chan->try_recv_locked(c.elem, wake);
  if (r != 0) {
    *recv_ok = r > 0;
  }
  return r != 0 ? 1 : 0;
}

}  // namespace

[[gnu::flatten]] int select_impl(SelectCase* cases, int n, bool has_default, bool* recv_ok,
                                 SelectScratch scratch) {
  Worker* worker = current_worker();
  Fiber* g = worker != nullptr ? worker->current.load(std::memory_order_relaxed) : nullptr;
  if (g == nullptr) {
    fatal("select called outside a goroutine");
  }

  // 1. Poll order: a uniformly random permutation of the non-nil cases (inside-out
  //    Fisher-Yates), so that among ready cases each is equally likely to be taken.
  int* poll = scratch.order;
  int np = 0;
  for (int i = 0; i < n; ++i) {
    if (cases[i].chan == nullptr) {
      continue;
    }
    // The first case has one place to go: no draw (one generator step less per select).
    const int j =
        np == 0 ? 0 : static_cast<int>(random_below(worker, static_cast<std::uint32_t>(np + 1)));
    poll[np] = poll[j];
    poll[j] = i;
    ++np;
  }
  if (np == 0) {
    if (has_default) {
      return -1;
    }
    begin_wait(g);  // only the end of the program wakes us
    // Go's words: `select {}` waits with no cases; a select whose channels are all nil has
    // cases, and waits as any select.
    park(n == 0 ? WaitReason::select_no_cases : WaitReason::select, nullptr, nullptr, nullptr);
    throw_cancelled();
  }

  // 2. Lock order: the distinct channels sorted by address (insertion sort: n is small).
  LockSet set{scratch.locks, 0};
  for (int k = 0; k < np; ++k) {
    ChanCore* c = cases[poll[k]].chan;
    int i = set.n;
    while (i > 0 && set.locks[i - 1] > c) {
      --i;
    }
    if (i > 0 && set.locks[i - 1] == c) {
      continue;
    }
    for (int m = set.n; m > i; --m) {
      set.locks[m] = set.locks[m - 1];
    }
    set.locks[i] = c;
    ++set.n;
  }
  lock_all(set);

  // 3. Pass 1: in poll order, take the first case that can proceed now.
  for (int k = 0; k < np; ++k) {
    const int i = poll[k];
    Fiber* wake = nullptr;
    const int r = try_case(cases[i], &wake, recv_ok);
    if (r == 0) {
      continue;
    }
    unlock_all(&set);
    if (r < 0) {
      throw RuntimeError("send on closed channel");
    }
    if (wake != nullptr) {
      ready_from(worker, wake);
    }
    return i;
  }

  // 4. Nothing ready: the default case, if there is one.
  if (has_default) {
    unlock_all(&set);
    return -1;
  }

  // 5. Pass 2: a waiter on every channel, all for the same wait; park until one fires.
  if (g->compact != nullptr) [[unlikely]] {
    return park_compact_select(worker, g, cases, poll, np, set, recv_ok);  // compact_select.cpp
  }
  const std::uint64_t seq = begin_wait(g);
  for (int k = 0; k < np; ++k) {
    const int i = poll[k];
    Waiter& w = *::new (&scratch.waiters[i]) Waiter;
    w.g = g;
    w.seq = seq;
    w.elem = cases[i].elem;
    w.case_index = i;
    w.is_send = cases[i].is_send;
    w.in_select = true;
    w.success = false;
    cases[i].chan->enqueue_locked(&w);
    scratch.objects[k] = &cases[i].chan->info();
  }
  g->wait_objects = scratch.objects;
  g->n_wait_objects = np;
  struct Leave {
    SelectCase* cases;
    int* poll;
    int np;
    Waiter* waiters;
  } leave{cases, poll, np, scratch.waiters};
  auto leave_fn = [](void* arg) {  // on cancellation: out of every queue (step 6's slow form)
    auto* l = static_cast<Leave*>(arg);
    for (int k = 0; k < l->np; ++k) {
      ChanCore* c = l->cases[l->poll[k]].chan;
      c->lock_.lock();
      c->dequeue_locked(&l->waiters[l->poll[k]]);
      c->lock_.unlock();
    }
  };
  const Wake how = park_on(worker, WaitReason::select, scratch.objects[0], &unlock_all, &set,
                           {leave_fn, &leave});
  if (how == Wake::cancelled) {
    g->wait_objects = nullptr;
    g->n_wait_objects = 0;
    throw_cancelled();
  }
  g->wait_objects = nullptr;
  g->n_wait_objects = 0;

  // 6. Pass 3: take our waiters out of every queue they are still in (the fired one was
  //    unlinked by its waker; losers may have been dropped by other wakers already).
  //    A channel whose only waiter of ours is the one that fired needs no locking: the waker
  //    unlinked it before claiming us.
  Waiter* fired = g->fired;
  for (int l = 0; l < set.n; ++l) {
    ChanCore* c = set.locks[l];
    bool others = false;
    for (int k = 0; k < np; ++k) {
      others = others || (cases[poll[k]].chan == c && &scratch.waiters[poll[k]] != fired);
    }
    if (!others) {
      continue;
    }
    c->lock_.lock();
    for (int k = 0; k < np; ++k) {
      if (cases[poll[k]].chan == c) {
        c->dequeue_locked(&scratch.waiters[poll[k]]);
      }
    }
    c->unlock();
  }

  // 7. The case that fired. A woken send that did not succeed was woken by close().
  if (fired->is_send && !fired->success) {
    throw RuntimeError("send on closed channel");
  }
  *recv_ok = fired->success;
  return fired->case_index;
}

}  // namespace conc::rt::detail
