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
#include <optional>

#include "runtime/sched.h"

namespace conc::rt::detail {

namespace {

struct LockSet {
  ChanCore** locks;
  int n;
};

void lock_all(const LockSet& s) {
  for (int i = 0; i < s.n; ++i) {
    s.locks[i]->lock_.lock();
  }
}

void unlock_all(void* arg) {
  const auto* s = static_cast<const LockSet*>(arg);
  for (int i = s->n; i-- > 0;) {
    s->locks[i]->unlock();
  }
}

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

// Step 5 onwards for a compact goroutine (compact.h): its stack may be copied out and released
// while it waits, so everything wakers and the scheduler touch meanwhile lives in one heap
// block instead of the caller's scratch arrays: the waiters, the lock set the after-switch
// hook unlocks, the wait objects the deadlock report reads, the cleanup's own record, and
// each case's value (a send's value to take, a receive's slot to fill). Channels are locked
// on entry, as in step 5; the object itself (on the stack) is used only by the goroutine.
class CompactSelect {
 public:
  CompactSelect(SelectCase* cases, const int* poll, int np, const LockSet& locked) {
    const Layout at = layout(cases, poll, np, locked.n);
    align_ = at.align;
    block_ = static_cast<std::byte*>(::operator new(at.bytes, std::align_val_t(align_)));
    b_ = ::new (block_) Block;
    b_->waiters = reinterpret_cast<Waiter*>(block_ + at.waiters);
    b_->chans = reinterpret_cast<ChanCore**>(block_ + at.chans);
    b_->objects = reinterpret_cast<const ObjectInfo**>(block_ + at.objects);
    b_->set.locks = reinterpret_cast<ChanCore**>(block_ + at.locks);
    b_->values = reinterpret_cast<void**>(block_ + at.values);
    std::size_t value_at = at.first_value;
    for (int k = 0; k < np; ++k) {  // the same walk as layout()
      const ElemOps* ops = cases[poll[k]].chan->elem_ops();
      value_at = (value_at + ops->align - 1) / ops->align * ops->align;
      b_->values[k] = block_ + value_at;
      value_at += ops->size;
    }
    b_->np = np;
    b_->set.n = locked.n;
    for (int l = 0; l < locked.n; ++l) {
      b_->set.locks[l] = locked.locks[l];
    }
    for (int k = 0; k < np; ++k) {
      const SelectCase& c = cases[poll[k]];
      b_->chans[k] = c.chan;
      b_->objects[k] = &c.chan->info();
      ::new (&b_->waiters[k]) Waiter;
      b_->waiters[k].is_send = c.is_send;
      if (c.is_send) {
        c.chan->elem_ops()->move_construct(b_->values[k], c.elem);
      }
    }
  }
  // clang-analyzer follows std::optional's destructor into a second ~CompactSelect, which
  // cannot happen (park_compact's optional is destroyed once): NOLINT below.
  ~CompactSelect() {
    for (int k = 0; k < b_->np; ++k) {  // NOLINT(clang-analyzer-cplusplus.NewDelete)
      if (b_->waiters[k].is_send) {     // delivered (moved from) or not, the copy is ours to end
        b_->chans[k]->elem_ops()->destroy(b_->values[k]);
      }
    }
    ::operator delete(block_, std::align_val_t(align_));
  }
  CompactSelect(const CompactSelect&) = delete;
  CompactSelect& operator=(const CompactSelect&) = delete;

  int park(Worker* worker, Fiber* g, SelectCase* cases, const int* poll, bool* recv_ok) {
    Block& b = *b_;
    const std::uint64_t seq = begin_wait(g);
    for (int k = 0; k < b.np; ++k) {
      Waiter& w = b.waiters[k];
      w.g = g;
      w.seq = seq;
      w.elem = b.values[k];
      w.case_index = poll[k];
      w.in_select = true;
      w.success = false;
      b.chans[k]->enqueue_locked(&w);
    }
    g->wait_objects = b.objects;
    g->n_wait_objects = b.np;
    auto leave_fn = [](void* arg) {  // on cancellation: out of every queue
      auto* blk = static_cast<Block*>(arg);
      for (int k = 0; k < blk->np; ++k) {
        blk->chans[k]->lock_.lock();
        blk->chans[k]->dequeue_locked(&blk->waiters[k]);
        blk->chans[k]->lock_.unlock();
      }
    };
    const Wake how =
        park_on(worker, WaitReason::select, b.objects[0], &unlock_all, &b.set, {leave_fn, &b});
    g->wait_objects = nullptr;
    g->n_wait_objects = 0;
    if (how == Wake::cancelled) {
      throw_cancelled();
    }
    // Step 6: our other waiters out of their queues (the fired one is out already).
    Waiter* fired = g->fired;
    for (int l = 0; l < b.set.n; ++l) {
      ChanCore* c = b.set.locks[l];
      bool others = false;
      for (int k = 0; k < b.np; ++k) {
        others = others || (b.chans[k] == c && &b.waiters[k] != fired);
      }
      if (!others) {
        continue;
      }
      c->lock_.lock();
      for (int k = 0; k < b.np; ++k) {
        if (b.chans[k] == c) {
          c->dequeue_locked(&b.waiters[k]);
        }
      }
      c->unlock();
    }
    // Step 7; a received value moves from the block to the caller's slot.
    if (fired->is_send && !fired->success) {
      throw RuntimeError("send on closed channel");
    }
    if (!fired->is_send && fired->success) {
      const auto k = static_cast<std::size_t>(fired - b.waiters);
      const ElemOps* ops = b.chans[k]->elem_ops();
      ops->move_construct(cases[fired->case_index].elem, b.values[k]);
      ops->destroy(b.values[k]);
    }
    *recv_ok = fired->success;
    return fired->case_index;
  }

 private:
  struct Block {  // header of the heap block; the arrays follow it (np entries, locks: set.n)
    LockSet set{};
    int np = 0;
    Waiter* waiters = nullptr;
    ChanCore** chans = nullptr;
    const ObjectInfo** objects = nullptr;
    void** values = nullptr;
  };
  struct Layout {  // offsets into the block
    std::size_t waiters, chans, objects, locks, values, first_value, bytes, align;
  };
  static Layout layout(SelectCase* cases, const int* poll, int np, int nlocks) {
    Layout l{};
    std::size_t at = sizeof(Block);
    auto carve = [&at](std::size_t size, std::size_t align) {
      at = (at + align - 1) / align * align;
      const std::size_t here = at;
      at += size;
      return here;
    };
    const auto n = static_cast<std::size_t>(np);
    l.waiters = carve(sizeof(Waiter) * n, alignof(Waiter));
    // Arrays of pointers: sizeof a pointer is meant (bugprone-sizeof-expression).
    l.chans =
        carve(sizeof(ChanCore*) * n, alignof(ChanCore*));  // NOLINT(bugprone-sizeof-expression)
    l.objects =
        carve(sizeof(ObjectInfo*) * n, alignof(ObjectInfo*));  // NOLINT(bugprone-sizeof-expression)
    l.locks = carve(
        sizeof(ChanCore*) * static_cast<std::size_t>(nlocks),  // NOLINT(bugprone-sizeof-expression)
        alignof(ChanCore*));
    l.values = carve(sizeof(void*) * n, alignof(void*));
    l.first_value = at;
    l.align = alignof(std::max_align_t);
    for (int k = 0; k < np; ++k) {
      const ElemOps* ops = cases[poll[k]].chan->elem_ops();
      carve(ops->size, ops->align);
      l.align = std::max(l.align, ops->align);
    }
    l.bytes = at;
    return l;
  }

  std::size_t align_ = 0;
  std::byte* block_ = nullptr;
  Block* b_ = nullptr;
};

// noinline: select_impl is flattened, and this must not grow it.
[[gnu::noinline]] int park_compact(Worker* worker, Fiber* g, SelectCase* cases, const int* poll,
                                   int np, LockSet& set, bool* recv_ok) {
  std::optional<CompactSelect> compact;
  try {
    compact.emplace(cases, poll, np, set);  // allocates, and moves the send values
  } catch (...) {
    unlock_all(&set);
    throw;
  }
  return compact->park(worker, g, cases, poll, recv_ok);
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
    return park_compact(worker, g, cases, poll, np, set, recv_ok);
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
