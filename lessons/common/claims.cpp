#include "lessons/common/claims.h"

#include <algorithm>

namespace conc::lessons {

const std::vector<Claim>& claim_catalogue() {
  static const std::vector<Claim> kClaims = {
      {"C01", "Concurrency composes independent computations; they may or may not overlap"},
      {"C02", "Parallelism runs several computations at the same instant"},
      {"C03", "A concurrent design is what lets a program use more CPUs"},
      {"C04", "A process is one running instance of a program"},
      {"C05", "A process is the environment a program runs in (memory, files, limits)"},
      {"C06", "Every process starts with one thread, the main thread"},
      {"C07", "A process may run many threads"},
      {"C08", "The kernel schedules and accounts threads, not processes"},
      {"C09", "Each thread has a stack of its own"},
      {"C10", "The threads of a process share one address space"},
      {"C11", "One thread can block while the others go on"},
      {"C12", "The scheduler divides the CPU per thread, not per process"},
      {"C13", "Threads may run interleaved on one CPU or in parallel on several"},
      {"C14", "A context switch is expensive next to ordinary work"},
      {"C15", "Switching processes costs more than switching threads"},
      {"C16", "A thread's context is small: program counter, registers, stack"},
      {"C17", "Time spent switching is time the program does not run"},
      {"C18", "Threads per process cannot grow far: fixed stacks and the C10K problem"},
      {"C19", "Each thread's slice is the scheduler period divided by the thread count"},
      {"C20", "More threads: slices shrink until switching dominates and response slows"},
      {"C21", "A thread gets a stack of fixed size"},
      {"C22", "ulimit shows the stack size; 8 MB is typical"},
      {"C23", "Unsynchronised shared memory gives non-deterministic results (a data race)"},
      {"C24", "Shared memory access must be synchronised"},
      {"C25", "Locks can reduce parallelism"},
      {"C26", "Locks taken in the wrong order deadlock"},
      {"C27", "Go's toolset: goroutines, channels, select, sync"},
      {"C28", "Goroutines are user-space threads run by a runtime"},
      {"C29", "A goroutine starts with a ~2 KB stack that grows and shrinks"},
      {"C30", "A goroutine function call costs about 3 extra instructions"},
      {"C31", "Hundreds of thousands of goroutines fit in one process"},
      {"C32", "Channels pass data so memory need not be shared"},
      {"C33", "Switching goroutines is much cheaper than switching threads"},
      {"C34", "The runtime chooses what context to save, how and when"},
      {"C35", "The runtime runs goroutines on worker OS threads (M:N)"},
      {"C36", "select merges several channels into one flow"},
      {"C37", "The sync package offers mutexes, condition variables and more"},
      {"C38", "If main does not wait, goroutines may never finish"},
      {"C39", "A WaitGroup gives a deterministic join point"},
  };
  return kClaims;
}

bool is_known_claim(std::string_view id) {
  const auto& all = claim_catalogue();
  return std::any_of(all.begin(), all.end(), [&](const Claim& c) { return c.id == id; });
}

std::vector<report::ListedLesson> listed_lessons(
    const std::vector<std::unique_ptr<Lesson>>& lessons) {
  std::vector<report::ListedLesson> listed;
  for (const auto& l : lessons) {
    const auto ids = l->claims();
    listed.push_back({std::string(l->name()), std::string(l->title()),
                      std::vector<std::string>(ids.begin(), ids.end())});
  }
  return listed;
}

report::ClaimsLedger claims_ledger(const std::vector<std::unique_ptr<Lesson>>& lessons,
                                   const report::VerdictStore& store) {
  std::vector<report::CatalogueClaim> catalogue;
  for (const auto& claim : claim_catalogue()) {
    catalogue.push_back({std::string(claim.id), std::string(claim.text)});
  }
  return report::build_claims_ledger(catalogue, listed_lessons(lessons), store);
}

}  // namespace conc::lessons
