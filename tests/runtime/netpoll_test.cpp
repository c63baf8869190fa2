// The netpoller (netpoll.h): goroutines parked on descriptors, at 1, 2, 4 and 8 workers.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "rt_test.h"
#include "runtime/netpoll.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::kScale;
using conc::rt::test::kWorkerCounts;
using conc::rt::test::run_checked;
using namespace std::chrono_literals;

namespace {

struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    a = sv[0];
    b = sv[1];
  }
};

// Reads exactly n bytes (or stops at an error / end of file).
IoResult read_full(PollFd& fd, char* buf, std::size_t n) {
  IoResult total;
  while (total.bytes < n) {
    const IoResult r = fd.read(buf + total.bytes, n - total.bytes);
    if (!r.ok() || r.bytes == 0) {
      total.error = r.error;
      return total;
    }
    total.bytes += r.bytes;
  }
  return total;
}

}  // namespace

TEST_SUITE("netpoll") {
  TEST_CASE("1,000 goroutines each echo over a socketpair: nothing lost") {
    const int conns = 1000 / kScale;
    constexpr int kRounds = 5;
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<long> echoed{0};
      const RunResult r = run_checked(w, [&] {
        WaitGroup wg;
        for (int i = 0; i < conns; ++i) {
          auto pair = std::make_shared<SocketPair>();
          wg.add(2);
          go([&, pair] {  // server: echo kRounds messages
            PollFd s(pair->b);
            char buf[8];
            for (int k = 0; k < kRounds; ++k) {
              if (!read_full(s, buf, sizeof buf).ok()) {
                break;
              }
              s.write(buf, sizeof buf);
            }
            wg.done();
          });
          go([&, pair, i] {  // client
            PollFd c(pair->a);
            for (int k = 0; k < kRounds; ++k) {
              char out[8], back[8];
              std::snprintf(out, sizeof out, "%03d:%02d", i % 1000, k);
              c.write(out, sizeof out);
              if (read_full(c, back, sizeof back).bytes == sizeof back &&
                  std::memcmp(out, back, sizeof out) == 0) {
                echoed.fetch_add(1);
              }
            }
            wg.done();
          });
        }
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(echoed.load() == static_cast<long>(conns) * kRounds);
    }
  }

  TEST_CASE("close wakes a goroutine waiting to read, with Go's ErrClosed") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      IoResult seen;
      const RunResult r = run_checked(w, [&] {
        SocketPair pair;
        PollFd reader(pair.a);
        PollFd other(pair.b);
        WaitGroup wg;
        wg.add(1);
        go([&] {
          char c;
          seen = reader.read(&c, 1);  // nobody writes: parks until close
          wg.done();
        });
        sleep_for(20ms);
        reader.close();
        wg.wait();
        CHECK(reader.read(nullptr, 0).error == IoError::closed);  // and later operations too
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(seen.error == IoError::closed);
      CHECK(std::string(to_string(seen.error)) == "use of closed file");
    }
  }

  TEST_CASE("a read deadline fires with Go's i/o timeout") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      IoResult seen;
      std::chrono::steady_clock::duration waited{};
      run_checked(w, [&] {
        SocketPair pair;
        PollFd reader(pair.a);
        PollFd other(pair.b);
        const auto start = std::chrono::steady_clock::now();
        reader.set_read_deadline(start + 30ms);
        char c;
        seen = reader.read(&c, 1);
        waited = std::chrono::steady_clock::now() - start;
      });
      CHECK(seen.error == IoError::deadline);
      CHECK(std::string(to_string(seen.error)) == "i/o timeout");
      CHECK(waited >= 30ms);
    }
  }

  TEST_CASE("a goroutine waiting on a descriptor is not deadlocked; a thread outside wakes it") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::uint64_t got = 0;
      const int efd = ::eventfd(0, EFD_CLOEXEC);
      std::thread writer([efd] {
        std::this_thread::sleep_for(50ms);  // every goroutine is parked meanwhile
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(efd, &one, sizeof one);
      });
      const RunResult r = run_checked(w, [&] {
        PollFd e(::dup(efd));
        e.read(&got, sizeof got);
      });
      writer.join();
      ::close(efd);
      CHECK(r.outcome == Outcome::completed);
      CHECK(got == 1);
    }
  }

  TEST_CASE("a descriptor readied while every worker runs is served within a tick") {
    for (int w : kWorkerCounts) {
      CAPTURE(w);
      std::atomic<bool> served{false};
      const RunResult r = run_checked(w, [&] {
        SocketPair pair;
        PollFd reader(pair.a);
        PollFd writer(pair.b);
        std::atomic<bool> stop{false};
        WaitGroup wg;
        wg.add(1);
        go([&] {
          char c;
          reader.read(&c, 1);
          served.store(true);
          stop.store(true);
          wg.done();
        });
        yield();  // the reader parks
        for (int i = 0; i < w - 1; ++i) {
          wg.add(1);
          go([&] {  // keep every other worker busy without blocking
            while (!stop.load()) {
              yield();
            }
            wg.done();
          });
        }
        std::thread outside([&] { [[maybe_unused]] auto n = ::write(pair.b, "x", 1); });
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (!served.load() && std::chrono::steady_clock::now() < until) {
          yield();  // main keeps its worker busy too
        }
        stop.store(true);
        outside.join();
        wg.wait();
      });
      CHECK(r.outcome == Outcome::completed);
      CHECK(served.load());
    }
  }
}
