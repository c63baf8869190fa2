// Stack overflow is reported as "stack overflow in goroutine N", not a bare segfault. The
// detector stops the process, so each case runs in a child. Compiled with
// -fstack-clash-protection, so that one large frame probes its pages from the top and meets
// the guard page instead of jumping over it. Sanitizer builds report overflows themselves
// (and TSan cannot follow a fork into a runtime): the cases are skipped there.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <cstdio>

#include "os/child.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/stack.h"
#include "runtime/sync.h"

using namespace conc::rt;

namespace {

#if defined(CONC_ASAN) || defined(CONC_TSAN)
constexpr bool kSkip = true;
#else
constexpr bool kSkip = false;
#endif

__attribute__((noinline)) int recurse(int depth, volatile char* sink) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  sink[0] = frame[0];
  if (depth == 0) {
    yield();  // a switch while deep: the canary / stack-pointer checks run here
    return 0;
  }
  return recurse(depth - 1, frame) + frame[1];
}

__attribute__((noinline)) int large_frame() {
  volatile char big[1 << 20];  // 1 MiB, sixteen times the stack
  big[sizeof big - 1] = 1;
  big[0] = 2;
  yield();
  return big[0] + big[sizeof big - 1];
}

__attribute__((noinline)) int fill_below_stack() {
  volatile char big[72 * 1024];  // more than the 64 KiB stack: its bottom lies below `lo`
  for (std::size_t i = 0; i < sizeof big; ++i) {
    big[i] = 1;
  }
  return big[0];
}

enum class Guards { on, off };

// Runs fn as goroutine 2 (compact or not) in a child on fresh stacks (guarded, or not at all)
// and returns (exit code, stderr). A child that ends normally prints its compactions.
std::pair<int, std::string> in_child(void (*fn)(), bool compact = false,
                                     Guards guards = Guards::on) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  auto child = conc::os::ChildProcess::spawn([&] {
    ::dup2(fds[1], 2);
    trim_stacks();  // the pool's free stacks came from the parent: start from new chunks
    if (guards == Guards::off) {
      limit_guard_pages(0);  // every stack relies on its canary
    }
    Config c;
    c.workers = 1;
    c.compact_batch = 1;
    const RunResult r = run(
        [fn, compact] {
          WaitGroup done;
          done.add(1);
          go(
              [&done, fn] {
                fn();
                done.done();
              },
              SpawnOptions{.compact_when_parked = compact});
          done.wait();
        },
        c);
    std::fprintf(stderr, "compactions %llu\n",
                 static_cast<unsigned long long>(r.workers[0].compactions));
    return 0;
  });
  ::close(fds[1]);
  const auto status = child.wait();
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
    err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  return {status.exited ? status.code : -status.signal, err};
}

}  // namespace

TEST_SUITE("stack overflow") {
  TEST_CASE("deep recursion is reported as a stack overflow in that goroutine" *
            doctest::skip(kSkip)) {
    const auto [code, err] = in_child([] {
      volatile char sink[1];
      recurse(2000, sink);  // ~1 MB of frames on a 64 KiB stack
    });
    CHECK(code == 2);
    CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
  }

  TEST_CASE("one large frame meets the guard page" * doctest::skip(kSkip)) {
    const auto [code, err] = in_child([] { large_frame(); });
    CHECK(code == 2);
    CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
  }

  TEST_CASE("a compact goroutine's overflow meets the guard page too" * doctest::skip(kSkip)) {
    const auto [code, err] = in_child(
        [] {
          volatile char sink[1];
          recurse(2000, sink);
        },
        true);
    CHECK(code == 2);
    CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
  }

  TEST_CASE("without guard pages, the canary catches an overflow, compact or not" *
            doctest::skip(kSkip)) {
    for (bool compact : {false, true}) {
      CAPTURE(compact);
      const auto [code, err] = in_child(
          [] {
            fill_below_stack();
            yield();  // switching away checks the canary
          },
          compact, Guards::off);
      CHECK(code == 2);
      CHECK(err.find("stack overflow in goroutine 2 (the canary below its stack was "
                     "overwritten)") != std::string::npos);
    }
  }

  TEST_CASE("canaries next to released stacks raise no false alarm" * doctest::skip(kSkip)) {
    // Unguarded neighbours, compacted (their top pages, which hold the canaries of the
    // stacks above, released) and copied back over and over, among ordinary goroutines.
    const auto [code, err] = in_child(
        [] {
          Chan<int> c(0);
          WaitGroup wg;
          const int n = 300, rounds = 10;
          wg.add(2 * n);
          for (int i = 0; i < n; ++i) {
            go(
                [&] {
                  for (int r = 0; r < rounds; ++r) {
                    c.recv();
                  }
                  wg.done();
                },
                SpawnOptions{.compact_when_parked = true});
            go([&] {
              for (int r = 0; r < rounds; ++r) {
                yield();
              }
              wg.done();
            });
          }
          for (int k = 0; k < n * rounds; ++k) {
            c.send(k);
            yield();
          }
          wg.wait();
        },
        false, Guards::off);
    CHECK(code == 0);
    CHECK(err.find("stack overflow") == std::string::npos);
    const auto at = err.find("compactions ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoull(err.substr(at + 12)) >= 300);
  }

  TEST_CASE("fresh stacks get guard pages while the mapping budget lasts") {
    StackSpan s;
    acquire_stacks(64 * 1024, &s, 1);
    const StackPoolStats p = stack_pool_stats();
    CHECK(p.guard_budget > 0);
    CHECK(p.guarded <= p.guard_budget);
    CHECK(*stack_canary(s) == kStackCanary);
    release_stacks(&s, 1);
  }
}
