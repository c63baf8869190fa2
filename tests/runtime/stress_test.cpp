// Stress: 1,000 goroutines pass 10,000,000 messages through buffered and unbuffered channels
// and select, across workers; every message arrives exactly once. Under ThreadSanitizer the
// message count is divided by kScale (10) to keep the run in minutes.
#include <atomic>
#include <memory>
#include <vector>

#include "rt_test.h"
#include "runtime/chan.h"
#include "runtime/select.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::run_checked;

TEST_SUITE("stress") {
  TEST_CASE("1,000 goroutines, 10,000,000 messages, nothing lost or duplicated") {
    constexpr int kProducers = 500;
    constexpr int kConsumers = 500;
    const long per_producer = 20'000 / kScale;
    const long total = kProducers * per_producer;
    for (int w : {2, 8}) {
      CAPTURE(w);
      auto seen = std::make_unique<std::atomic<std::uint8_t>[]>(static_cast<std::size_t>(total));
      std::atomic<long> received{0};
      const RunResult r = run_checked(w, [&] {
        Chan<long> chans[4] = {Chan<long>(0), Chan<long>(0), Chan<long>(64), Chan<long>(1024)};
        WaitGroup producers, consumers;
        producers.add(kProducers);
        consumers.add(kConsumers);
        for (int p = 0; p < kProducers; ++p) {
          go([&, p] {
            for (long i = 0; i < per_producer; ++i) {
              chans[(p + i) % 4].send(p * per_producer + i);
            }
            producers.done();
          });
        }
        for (int c = 0; c < kConsumers; ++c) {
          go([&] {
            Chan<long> mine[4] = {chans[0], chans[1], chans[2], chans[3]};
            int open = 4;
            std::optional<long> v[4];
            long local = 0;
            while (open > 0) {
              const int k = select(recv_case(mine[0], v[0]), recv_case(mine[1], v[1]),
                                   recv_case(mine[2], v[2]), recv_case(mine[3], v[3]));
              if (!v[k]) {
                mine[k] = Chan<long>();  // closed: a nil channel is never chosen again
                --open;
                continue;
              }
              seen[static_cast<std::size_t>(*v[k])].fetch_add(1, std::memory_order_relaxed);
              ++local;
            }
            received.fetch_add(local);
            consumers.done();
          });
        }
        producers.wait();
        for (auto& c : chans) {
          c.close();
        }
        consumers.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(received.load() == total);
      long bad = 0;
      for (long i = 0; i < total; ++i) {
        bad += seen[static_cast<std::size_t>(i)].load() != 1 ? 1 : 0;
      }
      CHECK(bad == 0);
    }
  }
}
