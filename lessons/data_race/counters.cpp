// Lesson `data-race`: the counter on threads. The racy increment is a relaxed atomic load
// followed by a separate relaxed atomic store: it loses updates exactly as `counter++` on a
// plain int would between two CPUs, but it is defined behaviour (a plain int shared without
// synchronisation is undefined, and the compiler may keep it in a register and add M at once).

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "lessons/common/lesson.h"
#include "lessons/common/thread_team.h"
#include "lessons/data_race/data_race.h"
#include "report/units.h"

namespace conc::lessons::data_race {

namespace {

constexpr std::size_t kCacheLine = 64;
struct alignas(kCacheLine) PaddedCount {
  std::atomic<std::int64_t> value{0};
};

}  // namespace

std::int64_t rollbacks_in(const std::vector<RacyAdds>& each, std::int64_t final_value) {
  std::int64_t n = 0;
  for (const auto& e : each) {
    n += e.rollbacks + (e.last_store > final_value ? 1 : 0);
  }
  return n;
}

RacyAdds racy_adds(std::atomic<std::int64_t>& counter, std::int64_t m) {
  std::int64_t mine = -1;
  std::int64_t rollbacks = 0;
  for (std::int64_t i = 0; i < m; ++i) {
    const auto v = counter.load(std::memory_order_relaxed);
    rollbacks += v < mine ? 1 : 0;
    counter.store(v + 1, std::memory_order_relaxed);
    mine = v + 1;
  }
  return {rollbacks, mine};
}

namespace {

CounterRun run_racy(const CounterSetup& s) {
  std::atomic<std::int64_t> counter{0};
  std::vector<RacyAdds> each(static_cast<std::size_t>(s.threads));
  const auto team = run_team(s.threads, s.pin_cpu, [&](int t) {
    each[static_cast<std::size_t>(t)] = racy_adds(counter, s.per_thread);
  });
  const auto got = counter.load();
  return {team.started * s.per_thread, got, rollbacks_in(each, got), team.seconds};
}

CounterRun run_mutex(const CounterSetup& s) {
  std::mutex lock;
  std::int64_t counter = 0;
  const auto team = run_team(s.threads, s.pin_cpu, [&](int) {
    for (std::int64_t i = 0; i < s.per_thread; ++i) {
      const std::lock_guard guard(lock);
      ++counter;
    }
  });
  return {team.started * s.per_thread, counter, 0, team.seconds};
}

CounterRun run_atomic(const CounterSetup& s) {
  std::atomic<std::int64_t> counter{0};
  const auto team = run_team(s.threads, s.pin_cpu, [&](int) {
    for (std::int64_t i = 0; i < s.per_thread; ++i) {
      counter.fetch_add(1, std::memory_order_relaxed);
    }
  });
  return {team.started * s.per_thread, counter.load(), 0, team.seconds};
}

// Each thread adds to its own cache line; the sum is taken after every thread was joined.
CounterRun run_per_thread(const CounterSetup& s) {
  const auto slots = std::make_unique<PaddedCount[]>(static_cast<std::size_t>(s.threads));
  const auto team = run_team(s.threads, s.pin_cpu, [&](int t) {
    auto& mine = slots[static_cast<std::size_t>(t)].value;
    for (std::int64_t i = 0; i < s.per_thread; ++i) {
      mine.store(mine.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  });
  std::int64_t sum = 0;
  for (int t = 0; t < s.threads; ++t) {
    sum += slots[static_cast<std::size_t>(t)].value.load();
  }
  return {team.started * s.per_thread, sum, 0, team.seconds};
}

}  // namespace

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::racy:
      return "racy (load, then store)";
    case Variant::mutex:
      return "std::mutex";
    case Variant::atomic_add:
      return "atomic fetch_add";
    case Variant::per_thread:
      return "per-thread counters, summed";
  }
  return "?";
}

CounterRun run_counter(Variant v, const CounterSetup& setup) {
  switch (v) {
    case Variant::racy:
      return run_racy(setup);
    case Variant::mutex:
      return run_mutex(setup);
    case Variant::atomic_add:
      return run_atomic(setup);
    case Variant::per_thread:
      return run_per_thread(setup);
  }
  return {};
}

}  // namespace conc::lessons::data_race
