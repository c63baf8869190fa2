// Lesson `sync`: Mutex on a shared counter, and RWMutex against Mutex on a read-heavy
// workload. Both run on every worker this process may use (GOMAXPROCS = the CPUs allowed), so
// goroutines really do contend, and readers can really overlap.

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "lessons/common/lesson.h"
#include "lessons/sync/sync.h"
#include "os/sys/clock.h"
#include "report/stats.h"
#include "report/units.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::sync {

namespace {

constexpr int kIncrementers = 4;
constexpr int kReaders = 4;
constexpr int kReadsPerWrite = 100;  // the read-heavy mix: 1 write per 100 reads
constexpr int kYieldEvery = 64;      // cooperative goroutines let others in now and then
constexpr std::size_t kTableSize = 1024;

struct Count {
  std::uint64_t value = 0;
  double ns_per_op = 0;
};

Count count_with_mutex(int increments) {
  Count c;
  rt::run([&c, increments] {
    rt::Mutex mu;
    rt::WaitGroup wg;
    std::uint64_t counter = 0;  // guarded by mu
    const os::Stopwatch clock;
    wg.add(kIncrementers);
    for (int g = 0; g < kIncrementers; ++g) {
      rt::go([&, increments] {
        for (int i = 0; i < increments; ++i) {
          mu.lock();
          ++counter;
          mu.unlock();
        }
        wg.done();
      });
    }
    wg.wait();
    c.value = counter;
    c.ns_per_op = static_cast<double>(clock.elapsed_ns()) / (kIncrementers * increments);
  });
  return c;
}

// The same reader/writer code over either lock: a Mutex's rlock is simply its lock.
struct WithRWMutex {
  rt::RWMutex m;
  void rlock() { m.rlock(); }
  void runlock() { m.runlock(); }
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
};
struct WithMutex {
  rt::Mutex m;
  void rlock() { m.lock(); }
  void runlock() { m.unlock(); }
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
};

struct ReadRun {
  double ns_per_read = 0;
  std::uint64_t torn = 0;  // reads that saw a half-written table
  int workers = 0;
};

// The writer sets every entry to the same new value; a reader that sees two different values
// in one pass saw a write half done.
template <class Lock>
ReadRun read_heavy(int reads) {
  ReadRun out;
  const rt::RunResult r = rt::run([&out, reads] {
    Lock lock;
    std::array<std::uint64_t, kTableSize> table{};  // guarded by lock
    rt::WaitGroup wg;
    std::uint64_t torn = 0;  // guarded by torn_mu
    rt::Mutex torn_mu;
    const os::Stopwatch clock;
    wg.add(kReaders + 1);
    for (int g = 0; g < kReaders; ++g) {
      rt::go([&, reads] {
        std::uint64_t mine = 0;
        for (int i = 0; i < reads; ++i) {
          lock.rlock();
          const std::uint64_t first = table[0];
          bool same = true;
          for (const auto v : table) {
            same = same && v == first;
          }
          lock.runlock();
          mine += same ? 0 : 1;
          if (i % kYieldEvery == 0) {
            rt::yield();
          }
        }
        torn_mu.lock();
        torn += mine;
        torn_mu.unlock();
        wg.done();
      });
    }
    rt::go([&, reads] {
      for (int w = 0; w < kReaders * reads / kReadsPerWrite; ++w) {
        lock.lock();
        for (auto& v : table) {
          v = static_cast<std::uint64_t>(w) + 1;
        }
        lock.unlock();
        rt::yield();
      }
      wg.done();
    });
    wg.wait();
    out.ns_per_read = static_cast<double>(clock.elapsed_ns()) / (kReaders * reads);
    out.torn = torn;
  });
  out.workers = static_cast<int>(r.workers.size());
  return out;
}

}  // namespace

Guarantee mutex_experiment(LessonContext& ctx, int increments) {
  const int repeats = ctx.repeats(5, 3);
  const std::uint64_t expected = static_cast<std::uint64_t>(kIncrementers) * increments;
  std::vector<double> ns;
  int exact = 0;
  count_with_mutex(increments / 10 + 1);  // warm-up
  for (int i = 0; i < repeats; ++i) {
    LessonContext::check_interrupted();
    const Count c = count_with_mutex(increments);
    exact += c.value == expected ? 1 : 0;
    ns.push_back(c.ns_per_op);
  }
  const auto& m = ctx.measure(
      "mutex_ns_per_increment", "Mutex: lock, add 1, unlock", "ns", ns,
      fmt::format("{} goroutines each add 1 to one shared counter {} times under one Mutex, on "
                  "every worker; wall time / increments",
                  kIncrementers, report::format_count(increments)));
  return {
      "Mutex",          "one holder at a time", fmt::format("{} of {} runs exact", exact, repeats),
      exact == repeats, m.stats.median,         "increment"};
}

std::pair<Guarantee, ReadHeavy> read_heavy_experiment(LessonContext& ctx, int reads) {
  const int repeats = ctx.repeats(5, 3);
  std::vector<double> rw_ns, mutex_ns;
  std::uint64_t torn = 0;
  int workers = 0;
  read_heavy<WithRWMutex>(reads / 10 + 1);  // warm-up
  for (int i = 0; i < repeats; ++i) {       // alternated, so both see the same machine
    LessonContext::check_interrupted();
    const ReadRun rw = read_heavy<WithRWMutex>(reads);
    const ReadRun mu = read_heavy<WithMutex>(reads);
    rw_ns.push_back(rw.ns_per_read);
    mutex_ns.push_back(mu.ns_per_read);
    torn += rw.torn + mu.torn;
    workers = rw.workers;
  }
  const std::string method = fmt::format(
      "{} readers each read a {}-entry table {} times, one writer rewrites it once per {} "
      "reads, on {} worker(s); wall time / reads",
      kReaders, kTableSize, report::format_count(reads), kReadsPerWrite, workers);
  const auto& rw =
      ctx.measure("rwmutex_ns_per_read", "read-heavy, RWMutex, per read", "ns", rw_ns, method);
  const auto& mu =
      ctx.measure("mutex_ns_per_read", "read-heavy, Mutex, per read", "ns", mutex_ns, method);
  ctx.explain(
      "RWMutex against Mutex",
      fmt::format(
          "An RWMutex lets any number of readers hold it together, or one writer alone; a Mutex "
          "admits one goroutine at a time, reader or not. With {} worker thread(s), readers "
          "under the RWMutex can overlap; under the Mutex they queue. Here a read took {} with "
          "the RWMutex and {} with the Mutex: the RWMutex read {} as fast (above 1x: faster). "
          "Its bookkeeping costs "
          "more than a Mutex's per lock, so it pays only when readers hold it long enough, and "
          "often enough at once, for the overlap to win.",
          workers, report::format_ns(rw.stats.median), report::format_ns(mu.stats.median),
          report::format_ratio(mu.stats.median / rw.stats.median)));
  const std::uint64_t total = static_cast<std::uint64_t>(2) * repeats * kReaders * reads;
  Guarantee g{"RWMutex",
              "many readers or one writer",
              fmt::format("{} torn / {} reads", torn,
                          report::format_count(static_cast<std::int64_t>(total))),
              torn == 0,
              rw.stats.median,
              "read"};
  return {g, ReadHeavy{rw.stats.median, mu.stats.median, workers}};
}

}  // namespace conc::lessons::sync
