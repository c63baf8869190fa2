// select's park for a compact goroutine (compact.h): the only place select meets compact
// goroutines, entered from select_impl's step 5 (select.cpp) through park_compact_select.
//
// Invariants (besides select.cpp's, which hold here too):
//   - while parked, nothing a waker, the after-switch hook or the deadlock sweep touches lives
//     on the goroutine's stack: waiters, lock set, wait objects and case values are in one
//     heap block, owned by a CompactSelect on the stack that only the goroutine uses;
//   - a send's value is moved into the block before the first enqueue, and the block's copy
//     is destroyed exactly once, delivered or not.
#include <algorithm>
#include <cstddef>
#include <new>
#include <optional>

#include "runtime/sched.h"
#include "runtime/select_locks.h"

namespace conc::rt::detail {

namespace {

// Step 5 onwards of a select (select.cpp) for a compact goroutine: its stack may be copied
// out and released while it waits, so everything wakers and the scheduler touch meanwhile
// lives in one heap block instead of the caller's scratch arrays: the waiters, the lock set
// the after-switch hook unlocks, the wait objects the deadlock report reads, the cleanup's
// own record, and each case's value (a send's value to take, a receive's slot to fill).
// Channels are locked on entry, as in step 5; the object itself (on the stack) is used only
// by the goroutine.
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

}  // namespace

// noinline (declared so in select_locks.h): select_impl is flattened, and this must not grow
// it.
int park_compact_select(Worker* worker, Fiber* g, SelectCase* cases, const int* poll, int np,
                        LockSet& set, bool* recv_ok) {
  std::optional<CompactSelect> compact;
  try {
    compact.emplace(cases, poll, np, set);  // allocates, and moves the send values
  } catch (...) {
    unlock_all(&set);
    throw;
  }
  return compact->park(worker, g, cases, poll, recv_ok);
}

}  // namespace conc::rt::detail
