// The deadlock detector (Go's checkdead, plus what Go does not print: what each goroutine
// waits on and the mutex wait-for cycle).
//
// Trigger: the last worker to go idle finds, under idle_mu, that every worker is idle, no
// run queue holds anything, goroutines are still alive and no timer is pending. Nothing can
// then ever wake anyone: every live goroutine is parked on a runtime object. The report is
// built while everything is quiet; then every waiting goroutine is claimed and, one at a time,
// newest first, readied with a cancellation, unwinds (destructors run) and exits; one that
// blocks again while unwinding is abandoned (program.cpp). run() returns once live reaches 0.
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
//   - A partial deadlock (two goroutines stuck on each other while others still run) is not a
//     deadlock here, nor in Go: only "every goroutine asleep" is.
//   - Runtime objects used from threads that are not workers are invisible: a goroutine
//     waiting for a plain thread to send is reported although that thread might still send.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "runtime/sched.h"
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
  out << o->kind << " #" << o->id << " (created at " << o->file << ":" << o->line << ")";
}

// Where Go's own words depend on its version (runtime2.go's waitReason strings).
constexpr const char* kSyncReasonLegend =
    "(sync waits are named as Go 1.24 names them; Go 1.20-1.23 print\n"
    " [semacquire] for sync.WaitGroup.Wait, Go 1.19 and older for every sync wait)\n";

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
  if (deadlock_found || shutting_down() || stopping.load()) {
    return false;
  }
  if (n_idle.load() != static_cast<int>(workers.size()) || live.load() == 0) {
    return false;
  }
  if (timers().pending() > 0 || global_size.load() > 0) {  // this order: see timer.cpp
    return false;
  }
  for (auto& w : workers) {
    if (w->runq.size() > 0 || w->runnext.load() != nullptr) {
      return false;
    }
  }
  deadlock_found = true;
  return true;
}

// The monitor's side: the last timer fired after the last worker went idle (it saw the timer
// pending then), or an idle worker missed it. Hands the handling to one idle worker.
void Scheduler::recheck_deadlock() {
  Worker* v = nullptr;
  {
    std::lock_guard lock(idle_mu);
    if (!detect_deadlock_locked()) {
      return;
    }
    v = idle.back();
    idle.pop_back();
    n_idle.fetch_sub(1);
  }
  v->futex_word.store(kWokeDeadlock, std::memory_order_release);
  wake_worker(v);
}

void Scheduler::handle_deadlock(Worker* w) {
  (void)w;
  std::string report = deadlock_report();
  {
    std::lock_guard lock(result_mu);
    if (result.outcome == Outcome::completed) {
      result.outcome = Outcome::deadlock;
      result.report = std::move(report);
    }
  }
  begin_shutdown(Ending::unwind);
  start_unwinding();  // everything is parked already: no need to wait for the idle sweep
}

std::string Scheduler::deadlock_report() {
  std::vector<Fiber*> waiting;
  {
    std::lock_guard lock(fibers_mu);
    for (Fiber* g : all_fibers) {
      if (g->state.load() == FiberState::waiting) {
        waiting.push_back(g);
      }
    }
  }
  std::sort(waiting.begin(), waiting.end(), [](Fiber* a, Fiber* b) { return a->id < b->id; });
  std::ostringstream out;
  out << "all goroutines are asleep - deadlock!\n";
  std::map<std::uint64_t, std::pair<const ObjectInfo*, std::uint64_t>> waits_for;  // g -> lock
  for (Fiber* g : waiting) {
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
        out << ", held by goroutine " << holder;
        waits_for[g->id] = {g->wait_object, holder};
      } else if (waits_on_lock(g->wait_reason) && readers > 0) {
        // Readers are counted, not named: one RWMutex may have any number of them.
        out << ", held for reading by " << readers << (readers == 1 ? " goroutine" : " goroutines");
      }
      out << "\n";
    }
    out << "\tcreated at " << g->spawn_file;
    if (g->spawn_line != 0) {
      out << ":" << g->spawn_line;
    }
    out << "\n";
  }
  // The wait-for graph has out-degree <= 1: walk from each goroutine until a repeat.
  std::set<std::uint64_t> reported;
  for (const auto& [start, edge] : waits_for) {
    std::vector<std::uint64_t> path{start};
    std::uint64_t at = start;
    while (waits_for.count(at) != 0) {
      at = waits_for[at].second;
      auto seen = std::find(path.begin(), path.end(), at);
      if (seen != path.end()) {
        std::vector<std::uint64_t> cycle(seen, path.end());
        const std::uint64_t lowest = *std::min_element(cycle.begin(), cycle.end());
        if (reported.insert(lowest).second) {
          std::rotate(cycle.begin(), std::find(cycle.begin(), cycle.end(), lowest), cycle.end());
          out << "\nwait-for cycle: ";
          for (std::uint64_t g : cycle) {
            const ObjectInfo* o = waits_for[g].first;
            out << "goroutine " << g << " -> " << o->kind << " #" << o->id << " (held by goroutine "
                << waits_for[g].second << ") -> ";
          }
          out << "goroutine " << cycle.front() << "\n";
        }
        break;
      }
      path.push_back(at);
    }
  }
  if (std::any_of(waiting.begin(), waiting.end(),
                  [](const Fiber* g) { return is_sync_wait(g->wait_reason); })) {
    out << "\n" << kSyncReasonLegend;
  }
  return out.str();
}

}  // namespace conc::rt::detail
