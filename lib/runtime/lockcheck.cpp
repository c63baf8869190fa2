// The lock hooks (hooks.h) and the two lock checkers beyond Go (lockcheck.h): mutex wait-for
// cycles found while other goroutines run, and lock-order inversions (lockdep).
//
// Invariants:
//   - LockWaits::waiting_[g].lock is non-null exactly while g is between blocking() and
//     done_waiting() (about to park, parked, or just woken) on that lock; active_ counts them;
//   - a MutexCycle is reported only when every goroutine of it is parked on the lock of its
//     link, unclaimed, with the same wait as when the cycle was first seen kConfirmNs earlier;
//   - LockChecker::edges_ holds each (held, taken) pair once, with the first sites it was seen
//     at; next_ is its adjacency; a warning is made when a new pair closes a path.
#include "runtime/lockcheck.h"

#include <algorithm>
#include <sstream>

#include "runtime/hooks.h"
#include "runtime/sched.h"
#include "runtime/source_path.h"

namespace conc::rt::detail {

namespace {

Site site_of(SourceLocation at) {
  return Site{at.file_name(), at.line(), at.function_name()};
}

}  // namespace

LockInfo lock_info(const ObjectInfo* o) {
  return LockInfo{o->kind, o->id, Site{o->file, o->line, ""}};
}

// --- hooks ---------------------------------------------------------------------------------

void hook_locked(ObjectInfo* lock, SourceLocation at, bool by_try_lock) {
  race_locked(lock);
  if (Fiber* g = current_fiber(); g != nullptr && g->sched->lock_checker != nullptr) {
    g->sched->lock_checker->locked(g->id, lock, at, by_try_lock);
  }
}

void hook_locked_at(ObjectInfo* lock, const char* file, unsigned line, const char* function) {
  hook_locked(lock, SourceLocation::current(file, line, function));
}

void hook_unlocking(ObjectInfo* lock) {
  race_release_merge(lock);
  if (Fiber* g = current_fiber(); g != nullptr && g->sched->lock_checker != nullptr) {
    g->sched->lock_checker->unlocking(g->id, lock);
  }
}

// --- LockWaits -----------------------------------------------------------------------------

void LockWaits::blocking(Fiber* g, std::uint64_t seq, const ObjectInfo* lock, std::int64_t now_ns) {
  mu_.lock();
  Wait& w = waiting_[g->id];
  active_ += w.lock == nullptr ? 1 : 0;
  w = Wait{g, seq, lock};
  std::vector<Link> links = walk_from(g->id);
  if (!links.empty()) {
    remember(std::move(links), now_ns);
  }
  mu_.unlock();
}

void LockWaits::done_waiting(const Fiber* g) {
  mu_.lock();
  if (auto it = waiting_.find(g->id); it != waiting_.end() && it->second.lock != nullptr) {
    it->second.lock = nullptr;
    --active_;
  }
  mu_.unlock();
}

// lock -> holder -> the lock it waits for -> ..., from goroutine `start`. The cycle through
// start, rotated to begin at its lowest goroutine id, or empty.
std::vector<LockWaits::Link> LockWaits::walk_from(std::uint64_t start) const {
  std::vector<Link> links;
  std::uint64_t at = start;
  while (links.size() <= active_) {
    auto it = waiting_.find(at);
    if (it == waiting_.end() || it->second.lock == nullptr) {
      return {};
    }
    const std::uint64_t holder = it->second.lock->holder.load(std::memory_order_relaxed);
    if (holder == 0) {
      return {};
    }
    links.push_back(Link{it->second, holder});
    if (holder == start) {
      auto lowest = std::min_element(links.begin(), links.end(), [](const Link& a, const Link& b) {
        return a.wait.g->id < b.wait.g->id;
      });
      std::rotate(links.begin(), lowest, links.end());
      return links;
    }
    const bool loops_elsewhere = std::any_of(
        links.begin(), links.end(), [holder](const Link& l) { return l.wait.g->id == holder; });
    if (loops_elsewhere) {
      return {};  // a cycle start only leads to: its own members find it
    }
    at = holder;
  }
  return {};
}

void LockWaits::remember(std::vector<Link> links, std::int64_t now_ns) {
  for (const Candidate& c : candidates_) {
    if (c.links == links) {
      return;
    }
  }
  candidates_.push_back(Candidate{std::move(links), now_ns});
}

bool LockWaits::still_parked(const Link& l) const {
  const Fiber* g = l.wait.g;
  return g->state.load() == FiberState::waiting && g->wait_token.load() == l.wait.seq << 2 &&
         l.wait.lock->holder.load(std::memory_order_relaxed) == l.holder;
}

bool LockWaits::confirmed_cycle(std::int64_t now_ns, MutexCycle* out) {
  mu_.lock();
  if (active_ == 0) {
    candidates_.clear();
    mu_.unlock();
    return false;
  }
  std::vector<Candidate> seen;  // this tick's walks, with when each was first seen
  for (const auto& [id, wait] : waiting_) {
    std::vector<Link> links = wait.lock != nullptr ? walk_from(id) : std::vector<Link>{};
    if (links.empty() || std::any_of(seen.begin(), seen.end(),
                                     [&](const Candidate& c) { return c.links == links; })) {
      continue;
    }
    std::int64_t first = now_ns;
    for (const Candidate& c : candidates_) {
      first = c.links == links ? c.first_seen_ns : first;
    }
    seen.push_back(Candidate{std::move(links), first});
  }
  candidates_ = std::move(seen);
  for (const Candidate& c : candidates_) {
    if (now_ns - c.first_seen_ns >= kConfirmNs &&
        std::all_of(c.links.begin(), c.links.end(),
                    [this](const Link& l) { return still_parked(l); })) {
      out->links.clear();
      for (const Link& l : c.links) {
        const Fiber* g = l.wait.g;
        out->links.push_back(CycleLink{g->id, Site{g->spawn_file, g->spawn_line, ""},
                                       lock_info(l.wait.lock), l.holder});
      }
      mu_.unlock();
      return true;
    }
  }
  mu_.unlock();
  return false;
}

// --- LockChecker ---------------------------------------------------------------------------

void LockChecker::locked(std::uint64_t goroutine, const ObjectInfo* lock, SourceLocation at,
                         bool by_try_lock) {
  std::lock_guard guard(mu_);
  std::vector<Held>& held = held_[goroutine];
  if (!by_try_lock) {
    for (const Held& h : held) {
      record_order(goroutine, h, lock, at);
    }
  }
  held.push_back(Held{lock, at});
}

// `h` was held when `lock` was taken at `at`: a new pair, unless known; an inversion if the
// graph already leads from `lock` to h's lock.
void LockChecker::record_order(std::uint64_t goroutine, const Held& h, const ObjectInfo* lock,
                               SourceLocation at) {
  const Pair taken{h.lock->id, lock->id};
  if (h.lock->id == lock->id || edges_.count(taken) != 0) {
    return;
  }
  const LockOrderUse use{goroutine, site_of(h.at), site_of(at)};
  if (const Edge* first = path(lock->id, h.lock->id)) {
    const Pair pair{std::min(taken.first, taken.second), std::max(taken.first, taken.second)};
    if (warned_.insert(pair).second) {
      warnings_.push_back(
          LockOrderWarning{first->from, lock_info(h.lock), first->use, use, first->to});
    }
  }
  edges_.emplace(taken, Edge{lock_info(h.lock), lock_info(lock), use});
  next_[h.lock->id].push_back(lock->id);
}

void LockChecker::unlocking(std::uint64_t goroutine, const ObjectInfo* lock) {
  std::lock_guard guard(mu_);
  auto drop = [lock](std::vector<Held>& held) {
    for (auto it = held.rbegin(); it != held.rend(); ++it) {
      if (it->lock == lock) {
        held.erase(std::next(it).base());
        return true;
      }
    }
    return false;
  };
  if (drop(held_[goroutine])) {
    return;
  }
  for (auto& [g, held] : held_) {  // any goroutine may unlock a Mutex
    if (drop(held)) {
      return;
    }
  }
}

const LockChecker::Edge* LockChecker::path(std::uint64_t from, std::uint64_t to) const {
  auto first_steps = next_.find(from);
  if (first_steps == next_.end()) {
    return nullptr;
  }
  std::set<std::uint64_t> visited{from};
  for (std::uint64_t step : first_steps->second) {
    std::vector<std::uint64_t> stack{step};
    while (!stack.empty()) {
      const std::uint64_t at = stack.back();
      stack.pop_back();
      if (at == to) {
        return &edges_.at(Pair{from, step});
      }
      if (!visited.insert(at).second) {
        continue;
      }
      if (auto it = next_.find(at); it != next_.end()) {
        stack.insert(stack.end(), it->second.begin(), it->second.end());
      }
    }
  }
  return nullptr;
}

std::vector<LockOrderWarning> LockChecker::take_warnings() {
  std::lock_guard guard(mu_);
  return std::move(warnings_);
}

}  // namespace conc::rt::detail

namespace conc::rt {

namespace {

std::string lock_text(const LockInfo& l) {
  std::ostringstream out;
  out << l.kind << " #" << l.id;
  return out.str();
}

std::string site_text(const Site& s) {
  std::ostringstream out;
  out << detail::source_path(s.file);
  if (s.line != 0) {
    out << ":" << s.line;
  }
  return out.str();
}

}  // namespace

// Lines stay short (a report is read at 80 columns): each lock's creation site once, after
// the goroutines, and the cycle one link a line.
std::string format_mutex_cycle(const MutexCycle& c) {
  std::ostringstream out;
  out << "partial deadlock: mutex wait-for cycle (other goroutines may still run)\n";
  for (const CycleLink& l : c.links) {
    out << "\ngoroutine " << l.goroutine << " [sync." << l.waits_for.kind << ".Lock]:\n"
        << "\twaits on " << lock_text(l.waits_for) << ", held by goroutine " << l.held_by << "\n"
        << "\tcreated at " << site_text(l.goroutine_created) << "\n";
  }
  out << "\n";
  for (const CycleLink& l : c.links) {
    out << lock_text(l.waits_for) << " created at " << site_text(l.waits_for.created) << "\n";
  }
  if (!c.links.empty()) {
    out << "\nwait-for cycle: goroutine " << c.links.front().goroutine << "\n";
  }
  for (const CycleLink& l : c.links) {
    out << "\t-> " << lock_text(l.waits_for) << " -> goroutine " << l.held_by << "\n";
  }
  return out.str();
}

std::string format_lock_order(const LockOrderWarning& w) {
  std::ostringstream out;
  const std::string a = lock_text(w.a);
  const std::string b = lock_text(w.b);
  out << "WARNING: lock order inversion (potential deadlock)\n"
      << a << " (created at " << site_text(w.a.created) << ") and\n"
      << b << " (created at " << site_text(w.b.created) << ")\nare taken in both orders:\n"
      << "  goroutine " << w.a_then_b.goroutine << " took " << a << " at "
      << site_text(w.a_then_b.first_locked) << "\n    then " << lock_text(w.a_then) << " at "
      << site_text(w.a_then_b.second_locked)
      << (w.a_then.id == w.b.id ? "" : "\n    (a chain that leads to " + b + ")") << "\n"
      << "  goroutine " << w.b_then_a.goroutine << " took " << b << " at "
      << site_text(w.b_then_a.first_locked) << "\n    then " << a << " at "
      << site_text(w.b_then_a.second_locked) << "\n"
      << "Two goroutines doing both at once deadlock:\n"
      << "take locks in one order everywhere.\n";
  return out.str();
}

}  // namespace conc::rt
