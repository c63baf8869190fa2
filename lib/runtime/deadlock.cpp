// The deadlock detector (Go's checkdead, plus what Go does not print: what each goroutine
// waits on and the mutex wait-for cycle).
//
// Trigger: the last worker to go idle finds, under idle_mu_, that every worker is idle, no
// run queue holds anything, goroutines are still alive and no timer is pending. Nothing can
// then ever wake anyone: every live goroutine is parked on a runtime object. The report is
// built while everything is quiet; then every waiting goroutine is claimed and, one at a time,
// newest first, readied with a cancellation, unwinds (destructors run) and exits; one that
// blocks again while unwinding is abandoned (program.cpp). run() returns once live_ reaches 0.
//
// Wording: Go's traceback words for each wait ([chan receive], [chan send (nil chan)],
// [select], [select (no cases)] for `select {}` only, [sleep], ...). The sync waits carry the
// operation's name as Go 1.24 prints it ([sync.Mutex.Lock], [sync.RWMutex.RLock],
// [sync.RWMutex.Lock], [sync.Cond.Wait], [sync.WaitGroup.Wait]); older Go prints
// [semacquire] for some of them, which the report's closing legend says when one appears.
//
// Blind spots: it sees only goroutines parked on the runtime's own objects ("asleep").
//   - A goroutine blocked in an OS call (read, a std::mutex, a futex, a pipe) or spinning on
//     an atomic keeps its worker busy: that worker is never idle, so a program stuck that way
//     is never reported (Go's checkdead is blind to goroutines in syscalls too).
//   - A pending timer (a sleep_for, a timer channel) suppresses detection until it fires, as
//     in Go: a goroutine asleep for an hour next to a deadlocked pair delays the report by an
//     hour.
//   - A partial deadlock (two goroutines stuck on each other while others still run) is not
//     "all asleep", here or in Go. Beyond Go, a wait-for cycle of mutexes is found anyway
//     (check_mutex_cycles, lockcheck.h) and ends the run as DeadlockKind::mutex_cycle; a
//     goroutine stuck on a channel nobody else will use, while others run, is not found.
//   - Runtime objects used from threads that are not workers are invisible: a goroutine
//     waiting for a plain thread to send is reported although that thread might still send.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "runtime/lockcheck.h"
#include "runtime/netpoller.h"
#include "runtime/sched.h"
#include "runtime/source_path.h"
#include "runtime/timer.h"

namespace conc::rt::detail {

const char* wait_reason_text(WaitReason r) {
  switch (r) {
    case WaitReason::none:
      return "runnable";
    case WaitReason::chan_send:
      return "chan send";
    case WaitReason::chan_recv:
      return "chan receive";
    case WaitReason::chan_send_nil:
      return "chan send (nil chan)";
    case WaitReason::chan_recv_nil:
      return "chan receive (nil chan)";
    case WaitReason::select:
      return "select";
    case WaitReason::select_no_cases:
      return "select (no cases)";
    case WaitReason::sleep:
      return "sleep";
    case WaitReason::io_wait:
      return "IO wait";
    case WaitReason::mutex_lock:
      return "sync.Mutex.Lock";
    case WaitReason::rwmutex_rlock:
      return "sync.RWMutex.RLock";
    case WaitReason::rwmutex_lock:
      return "sync.RWMutex.Lock";
    case WaitReason::cond_wait:
      return "sync.Cond.Wait";
    case WaitReason::waitgroup_wait:
      return "sync.WaitGroup.Wait";
  }
  return "?";
}

namespace {

void describe(std::ostringstream& out, const ObjectInfo* o) {
  out << o->kind << " #" << o->id << " (created at " << source_path(o->file) << ":" << o->line
      << ")";
}

// Where Go's own words depend on its version (runtime2.go's waitReason strings).
constexpr const char* kSyncReasonLegend =
    "(sync waits are named as Go 1.24 names them; Go 1.20-1.23 print\n"
    " [semacquire] for sync.WaitGroup.Wait, Go 1.19 and older for every\n"
    " sync wait)\n";

bool is_sync_wait(WaitReason r) {
  return r == WaitReason::mutex_lock || r == WaitReason::rwmutex_rlock ||
         r == WaitReason::rwmutex_lock || r == WaitReason::cond_wait ||
         r == WaitReason::waitgroup_wait;
}

bool waits_on_lock(WaitReason r) {
  return r == WaitReason::mutex_lock || r == WaitReason::rwmutex_lock ||
         r == WaitReason::rwmutex_rlock;
}

}  // namespace

bool Scheduler::detect_deadlock_locked() {
  if (deadlock_found_ || shutting_down() || stopping_.load()) {
    return false;
  }
  if (n_idle_.load() != static_cast<int>(workers.size()) || live_.load() == 0) {
    return false;
  }
  if (timers().pending() > 0 || global_size_.load() > 0) {  // this order: see timer.cpp
    return false;
  }
  if (netpoller().waiters() > 0) {  // the network may still wake them (Go: not "asleep")
    return false;
  }
  for (auto& w : workers) {
    if (w->runq.size() > 0 || w->runnext.load() != nullptr) {
      return false;
    }
  }
  deadlock_found_ = true;
  return true;
}

// The monitor's side: the last timer fired after the last worker went idle (it saw the timer
// pending then), or an idle worker missed it. Hands the handling to one idle worker.
void Scheduler::recheck_deadlock() {
  Worker* v = nullptr;
  {
    std::lock_guard lock(idle_mu_);
    if (!detect_deadlock_locked()) {
      return;
    }
    v = idle_.back();
    idle_.pop_back();
    n_idle_.fetch_sub(1);
  }
  v->futex_word.store(kWokeDeadlock, std::memory_order_seq_cst);
  wake_worker(v);
}

void Scheduler::handle_deadlock(Worker* w) {
  (void)w;
  std::vector<MutexCycle> cycles;
  std::string report = deadlock_report(&cycles);
  {
    std::lock_guard lock(result_mu);
    if (result_.outcome == Outcome::completed) {
      result_.outcome = Outcome::deadlock;
      result_.deadlock_kind = DeadlockKind::all_asleep;
      result_.report = std::move(report);
      result_.mutex_cycles = std::move(cycles);
    }
  }
  begin_shutdown(Ending::unwind);
  start_unwinding();  // everything is parked already: no need to wait for the idle sweep
}

// The monitor's tick: a mutex wait-for cycle confirmed while other goroutines may still run
// ends the program as a deadlock (runtime.h: DeadlockKind::mutex_cycle). Running goroutines
// stop at their next park or yield, as after a panic; then the last worker to go idle
// unwinds everyone (sweep_ended).
void Scheduler::check_mutex_cycles() {
  MutexCycle cycle;
  if (shutting_down() || !lock_waits->confirmed_cycle(now_ns(), &cycle)) {
    return;
  }
  {
    std::lock_guard lock(result_mu);
    if (result_.outcome != Outcome::completed || shutting_down()) {
      return;
    }
    result_.outcome = Outcome::deadlock;
    result_.deadlock_kind = DeadlockKind::mutex_cycle;
    result_.report = format_mutex_cycle(cycle);
    result_.mutex_cycles.push_back(std::move(cycle));
  }
  begin_shutdown(Ending::unwind);
  wake_all();  // idle workers look again, and the last one to go idle sweeps
}

namespace {

struct LockEdge {  // a goroutine waiting for a lock that another holds
  const Fiber* g;
  const ObjectInfo* lock;
  std::uint64_t holder;
};
using WaitsFor = std::map<std::uint64_t, LockEdge>;  // goroutine id -> its edge

void describe_goroutine(std::ostringstream& out, const Fiber* g, WaitsFor& waits_for) {
  out << "\ngoroutine " << g->id << " [" << wait_reason_text(g->wait_reason) << "]:\n";
  if (g->n_wait_objects > 0) {
    for (int i = 0; i < g->n_wait_objects; ++i) {
      out << "\twaits on ";
      describe(out, g->wait_objects[i]);
      out << "\n";
    }
  } else if (g->wait_object != nullptr) {
    out << "\twaits on ";
    describe(out, g->wait_object);
    const std::uint64_t holder = g->wait_object->holder.load();
    const std::int32_t readers = g->wait_object->readers.load();
    if (waits_on_lock(g->wait_reason) && holder != 0) {
      out << ",\n\t\theld by goroutine " << holder;  // on a line of its own: 80 columns
      waits_for[g->id] = LockEdge{g, g->wait_object, holder};
    } else if (waits_on_lock(g->wait_reason) && readers > 0) {
      // Readers are counted, not named: one RWMutex may have any number of them.
      out << ", held for reading by " << readers << (readers == 1 ? " goroutine" : " goroutines");
    }
    out << "\n";
  }
  out << "\tcreated at " << source_path(g->spawn_file);
  if (g->spawn_line != 0) {
    out << ":" << g->spawn_line;
  }
  out << "\n";
}

// The wait-for graph has out-degree <= 1: walk from each goroutine until a repeat. Each cycle
// once, starting at its lowest goroutine id.
std::vector<MutexCycle> find_cycles(const WaitsFor& waits_for) {
  std::vector<MutexCycle> cycles;
  std::set<std::uint64_t> reported;
  for (const auto& [start, edge] : waits_for) {
    std::vector<std::uint64_t> path{start};
    for (auto at = waits_for.find(start); at != waits_for.end();
         at = waits_for.find(at->second.holder)) {
      auto seen = std::find(path.begin(), path.end(), at->second.holder);
      if (seen == path.end()) {
        path.push_back(at->second.holder);
        continue;
      }
      std::vector<std::uint64_t> cycle(seen, path.end());
      const auto lowest = std::min_element(cycle.begin(), cycle.end());
      if (reported.insert(*lowest).second) {
        std::rotate(cycle.begin(), lowest, cycle.end());
        MutexCycle c;
        for (std::uint64_t g : cycle) {
          const LockEdge& e = waits_for.at(g);
          c.links.push_back(CycleLink{g, Site{e.g->spawn_file, e.g->spawn_line, ""},
                                      lock_info(e.lock), e.holder});
        }
        cycles.push_back(std::move(c));
      }
      break;
    }
  }
  return cycles;
}

}  // namespace

std::string Scheduler::deadlock_report(std::vector<MutexCycle>* cycles) {
  std::vector<Fiber*> waiting;
  {
    std::lock_guard lock(fibers_mu_);
    for (Fiber* g : all_fibers_) {
      if (g->state.load() == FiberState::waiting) {
        waiting.push_back(g);
      }
    }
  }
  std::sort(waiting.begin(), waiting.end(), [](Fiber* a, Fiber* b) { return a->id < b->id; });
  std::ostringstream out;
  out << "all goroutines are asleep - deadlock!\n";
  WaitsFor waits_for;
  for (const Fiber* g : waiting) {
    describe_goroutine(out, g, waits_for);
  }
  *cycles = find_cycles(waits_for);
  for (const MutexCycle& c : *cycles) {
    out << "\nwait-for cycle: ";
    for (const CycleLink& l : c.links) {
      out << "goroutine " << l.goroutine << " -> " << l.waits_for.kind << " #" << l.waits_for.id
          << " (held by goroutine " << l.held_by << ") -> ";
    }
    out << "goroutine " << c.links.front().goroutine << "\n";
  }
  if (std::any_of(waiting.begin(), waiting.end(),
                  [](const Fiber* g) { return is_sync_wait(g->wait_reason); })) {
    out << "\n" << kSyncReasonLegend;
  }
  return out.str();
}

}  // namespace conc::rt::detail
