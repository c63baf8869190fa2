// The happens-before race detector (shared.h): vector clocks per goroutine and per runtime
// object, FastTrack's shadow state per Shared<T>, and Go's report.
//
// Invariants:
//   - a run's RaceDetector exists from the first checked access until finish(); while it
//     does, checks_active counts it, and every Fiber::race of that run points into it;
//   - a goroutine's clock is written only by that goroutine, or by the one goroutine that
//     claimed it while it is parked (its waker), or by its parent before it is queued;
//   - an object's clocks (RaceSync) are guarded by RaceSync::lock; they belong to the run whose
//     generation they carry and are reset when another run uses the object;
//   - clock(g)[slot(g)] only grows, and ticks after every release by g: an epoch (slot, c) is
//     ordered before goroutine h's present iff c <= clock(h)[slot].
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/hooks.h"
#include "runtime/sched.h"
#include "runtime/shared.h"
#include "runtime/source_path.h"

namespace conc::rt::detail {

std::atomic<int> checks_active{0};

namespace {

std::atomic<std::uint64_t> next_generation{1};
constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

Site site_of(SourceLocation at) {
  return Site{at.file_name(), at.line(), at.function_name()};
}

}  // namespace

class VectorClock {
 public:
  std::uint32_t get(std::uint32_t slot) const { return slot < c_.size() ? c_[slot] : 0; }
  void set(std::uint32_t slot, std::uint32_t value) {
    if (slot >= c_.size()) {
      c_.resize(slot + 1, 0);
    }
    c_[slot] = value;
  }
  void tick(std::uint32_t slot) { set(slot, get(slot) + 1); }
  void join(const VectorClock& o) {
    if (o.c_.size() > c_.size()) {
      c_.resize(o.c_.size(), 0);
    }
    for (std::size_t i = 0; i < o.c_.size(); ++i) {
      c_[i] = std::max(c_[i], o.c_[i]);
    }
  }

 private:
  std::vector<std::uint32_t> c_;
};

// One goroutine of a run that took part in detection (Fiber::race points here).
struct RaceSlot {
  std::uint32_t index = 0;
  std::uint64_t goroutine = 0;
  Site created;
  VectorClock clock;
  std::atomic<bool> finished{false};
};

// An object's clocks (ObjectInfo::race).
struct RaceSync {
  SpinLock lock;
  std::uint64_t generation = 0;
  VectorClock clock;    // unlock, done, send (unbuffered), the function of a Once
  VectorClock readers;  // RWMutex: every runlock
  VectorClock closed;   // a channel's close
  std::unordered_map<std::size_t, VectorClock> slots;  // buffered channel: slot -> clock

  void reset(std::uint64_t gen) {
    generation = gen;
    clock = {};
    readers = {};
    closed = {};
    slots.clear();
  }
};

void destroy_race_sync(RaceSync* s) {
  delete s;
}

// One access kept in a variable's shadow: who (slot), when (that slot's clock) and where.
struct Access {
  std::uint32_t slot = kNoSlot;
  std::uint32_t clock = 0;
  bool write = false;
  SourceLocation at = SourceLocation::current();

  bool ordered_before(const VectorClock& now) const {
    return slot == kNoSlot || clock <= now.get(slot);
  }
};

// FastTrack's state for one variable in one run.
struct RaceShadow {
  std::uint64_t generation = 0;
  Access write;
  Access read;                // the last read, while reads are totally ordered
  std::vector<Access> reads;  // concurrent reads (read-shared), one per slot; else empty
};

class RaceDetector {
 public:
  const std::uint64_t generation = next_generation.fetch_add(1);

  RaceSlot* slot_of(Fiber* g) {
    if (g->race != nullptr) {
      return g->race;
    }
    std::lock_guard lock(mu_);
    RaceSlot& s = slots_.emplace_back();
    s.index = static_cast<std::uint32_t>(slots_.size() - 1);
    s.goroutine = g->id;
    s.created = Site{g->spawn_file, g->spawn_line, ""};
    s.clock.set(s.index, 1);
    g->race = &s;
    return &s;
  }

  void report(const void* address, Site variable, const Access& now, const Access& before) {
    std::lock_guard lock(mu_);
    const Site a = site_of(now.at);
    const Site b = site_of(before.at);
    auto key = std::make_tuple(a.file, a.line, b.file, b.line);
    if (std::tie(b.file, b.line) < std::tie(a.file, a.line)) {
      key = std::make_tuple(b.file, b.line, a.file, a.line);  // the pair, in either order
    }
    if (!seen_.insert(key).second) {
      return;
    }
    RaceReport r;
    r.address = reinterpret_cast<std::uintptr_t>(address);
    r.variable_created = variable;
    r.current = access_of(now);
    r.previous = access_of(before);
    reports_.push_back(r);
  }

  std::vector<RaceReport> take_reports() {
    std::lock_guard lock(mu_);
    return std::move(reports_);
  }

 private:
  RaceAccess access_of(const Access& a) const {  // mu_ held
    const RaceSlot& s = slots_[a.slot];
    return RaceAccess{a.write, s.goroutine, site_of(a.at), s.created,
                      s.finished.load(std::memory_order_relaxed)};
  }

  std::mutex mu_;
  std::deque<RaceSlot> slots_;  // a deque: Fiber::race points into it
  std::vector<RaceReport> reports_;
  std::set<std::tuple<const char*, std::uint32_t, const char*, std::uint32_t>> seen_;
};

namespace {

// Turns the detector on for g's run (once).
RaceDetector* enable(Scheduler* s) {
  RaceDetector* d = s->race.load(std::memory_order_acquire);
  if (d != nullptr) {
    return d;
  }
  auto* fresh = new RaceDetector;
  if (s->race.compare_exchange_strong(d, fresh, std::memory_order_acq_rel)) {
    checks_active.fetch_add(1);
    return fresh;
  }
  delete fresh;
  return d;
}

// The current goroutine and its run's detector, when that run detects races.
struct Self {
  RaceDetector* d = nullptr;
  RaceSlot* slot = nullptr;
  explicit operator bool() const { return slot != nullptr; }
};

Self current() {
  Fiber* g = current_fiber();
  if (g == nullptr) {
    return {};
  }
  RaceDetector* d = g->sched->race.load(std::memory_order_acquire);
  if (d == nullptr) {
    return {};
  }
  return Self{d, d->slot_of(g)};
}

// Runs f(clocks of o) under their lock, the clocks reset if they belong to another run.
template <class F>
void with_sync(ObjectInfo* o, const RaceDetector* d, F&& f) {
  RaceSync* s = o->race.load(std::memory_order_acquire);
  if (s == nullptr) {
    auto* fresh = new RaceSync;
    if (o->race.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) {
      s = fresh;
    } else {
      delete fresh;
    }
  }
  s->lock.lock();
  if (s->generation != d->generation) {
    s->reset(d->generation);
  }
  f(*s);
  s->lock.unlock();
}

// The buffered channel's slot a send or receive passes through: acquire its clock, then
// leave ours in it (release), then tick.
void through_slot(RaceSync& s, std::size_t index, RaceSlot* g) {
  VectorClock& slot = s.slots[index];
  g->clock.join(slot);
  slot.join(g->clock);
  g->clock.tick(g->index);
}

}  // namespace

void race_spawned(Fiber* parent, Fiber* child) {
  if (parent == nullptr) {
    return;
  }
  RaceDetector* d = parent->sched->race.load(std::memory_order_acquire);
  if (d == nullptr) {
    return;
  }
  RaceSlot* p = d->slot_of(parent);
  RaceSlot* c = d->slot_of(child);
  c->clock.join(p->clock);
  p->clock.tick(p->index);
}

void race_exited(Fiber* g) {
  g->race->finished.store(true, std::memory_order_relaxed);
}

std::vector<RaceReport> race_finish(Scheduler* s) {
  RaceDetector* d = s->race.exchange(nullptr);
  if (d == nullptr) {
    return {};
  }
  std::vector<RaceReport> reports = d->take_reports();
  delete d;
  checks_active.fetch_sub(1);
  return reports;
}

void race_acquire(ObjectInfo* o) {
  if (Self me = current()) {
    with_sync(o, me.d, [&](RaceSync& s) { me.slot->clock.join(s.clock); });
  }
}

void race_release_merge(ObjectInfo* o) {
  if (Self me = current()) {
    with_sync(o, me.d, [&](RaceSync& s) { s.clock.join(me.slot->clock); });
    me.slot->clock.tick(me.slot->index);
  }
}

void race_rlocked(ObjectInfo* o) {
  race_acquire(o);
}

void race_runlocking(ObjectInfo* o) {
  if (Self me = current()) {
    with_sync(o, me.d, [&](RaceSync& s) { s.readers.join(me.slot->clock); });
    me.slot->clock.tick(me.slot->index);
  }
}

void race_locked(ObjectInfo* o) {
  if (Self me = current()) {
    with_sync(o, me.d, [&](RaceSync& s) {
      me.slot->clock.join(s.clock);
      me.slot->clock.join(s.readers);
    });
  }
}

void race_pass_to(Fiber* other) {
  if (Self me = current()) {
    RaceSlot* o = me.d->slot_of(other);
    o->clock.join(me.slot->clock);
    me.slot->clock.tick(me.slot->index);
  }
}

void race_chan_send(ObjectInfo* chan, std::size_t index, Fiber* sender) {
  Self me = current();
  if (!me) {
    return;
  }
  RaceSlot* g = sender != nullptr ? me.d->slot_of(sender) : me.slot;
  with_sync(chan, me.d, [&](RaceSync& s) { through_slot(s, index, g); });
}

void race_chan_recv(ObjectInfo* chan, std::size_t index, Fiber* receiver) {
  race_chan_send(chan, index, receiver);  // the same: acquire the slot's clock, then release
}

void race_chan_handoff(ObjectInfo* chan, Fiber* sender, Fiber* receiver) {
  (void)chan;
  Self me = current();
  if (!me) {
    return;
  }
  RaceSlot* s = sender != nullptr ? me.d->slot_of(sender) : me.slot;
  RaceSlot* r = receiver != nullptr ? me.d->slot_of(receiver) : me.slot;
  VectorClock both = s->clock;  // each side's past happens before the other's completion
  both.join(r->clock);
  s->clock = both;
  r->clock = std::move(both);
  s->clock.tick(s->index);
  r->clock.tick(r->index);
}

void race_chan_closing(ObjectInfo* chan) {
  if (Self me = current()) {
    with_sync(chan, me.d, [&](RaceSync& s) { s.closed.join(me.slot->clock); });
    me.slot->clock.tick(me.slot->index);
  }
}

void race_chan_recv_closed(ObjectInfo* chan, Fiber* receiver) {
  Self me = current();
  if (!me) {
    return;
  }
  RaceSlot* g = receiver != nullptr ? me.d->slot_of(receiver) : me.slot;
  with_sync(chan, me.d, [&](RaceSync& s) { g->clock.join(s.closed); });
}

// --- Shared<T> ---------------------------------------------------------------------------

RaceVar::~RaceVar() {
  delete shadow_;
}

void RaceVar::access(bool write, SourceLocation at) {
  Fiber* g = current_fiber();
  if (g == nullptr) {
    return;  // before or after run(): not checked
  }
  RaceDetector* d = enable(g->sched);
  RaceSlot* self = d->slot_of(g);
  const VectorClock& now = self->clock;
  const Access me{self->index, now.get(self->index), write, at};
  lock_.lock();
  if (shadow_ == nullptr) {
    shadow_ = new RaceShadow;
  }
  RaceShadow& sh = *shadow_;
  if (sh.generation != d->generation) {
    sh = RaceShadow{};
    sh.generation = d->generation;
  }
  const Access* conflict = nullptr;
  if (!sh.write.ordered_before(now)) {
    conflict = &sh.write;  // write-write or write-read
  }
  if (write) {
    if (conflict == nullptr && !sh.read.ordered_before(now)) {
      conflict = &sh.read;  // read-write
    }
    for (const Access& r : sh.reads) {
      if (conflict == nullptr && !r.ordered_before(now)) {
        conflict = &r;
      }
    }
  }
  if (conflict != nullptr) {
    d->report(address_, site_of(created_), me, *conflict);
  }
  if (write) {
    sh.write = me;
    sh.read = Access{};  // every later access that races with those reads races with me
    sh.reads.clear();
  } else if (!sh.reads.empty()) {
    auto it = std::find_if(sh.reads.begin(), sh.reads.end(),
                           [&](const Access& r) { return r.slot == me.slot; });
    if (it != sh.reads.end()) {
      *it = me;
    } else {
      sh.reads.push_back(me);
    }
  } else if (sh.read.ordered_before(now)) {
    sh.read = me;  // the earlier read is ordered before this one: keep only this one
  } else {
    sh.reads = {sh.read, me};  // concurrent reads: keep both (read-shared)
    sh.read = Access{};
  }
  lock_.unlock();
}

}  // namespace conc::rt::detail

namespace conc::rt {

namespace {

void print_site(std::ostringstream& out, const Site& s) {
  if (s.function != nullptr && s.function[0] != '\0') {
    out << "  " << s.function << "()\n";
  }
  out << "      " << detail::source_path(s.file);
  if (s.line != 0) {
    out << ":" << s.line;
  }
  out << "\n";
}

void print_access(std::ostringstream& out, const RaceAccess& a, std::uintptr_t address,
                  bool previous) {
  char addr[32];
  std::snprintf(addr, sizeof addr, "0x%012" PRIxPTR, address);
  const char* what = a.write ? "write" : "read";
  out << (previous ? "Previous " : "") << (previous ? what : (a.write ? "Write" : "Read")) << " at "
      << addr << " by goroutine " << a.goroutine << ":\n";
  print_site(out, a.at);
}

void print_creation(std::ostringstream& out, const RaceAccess& a, bool current) {
  if (a.goroutine_created.line == 0) {
    return;  // goroutine 1, started by run(): Go prints no creation site for main either
  }
  out << "\nGoroutine " << a.goroutine << " ("
      << (current                ? "running"
          : a.goroutine_finished ? "finished"
                                 : "running")
      << ") created at:\n";
  print_site(out, a.goroutine_created);
}

}  // namespace

std::string format_race(const RaceReport& r) {
  std::ostringstream out;
  out << "==================\nWARNING: DATA RACE\n";
  print_access(out, r.current, r.address, false);
  out << "\n";
  print_access(out, r.previous, r.address, true);
  print_creation(out, r.current, true);
  if (r.previous.goroutine != r.current.goroutine) {
    print_creation(out, r.previous, false);
  }
  out << "==================\n";
  return out.str();
}

}  // namespace conc::rt
