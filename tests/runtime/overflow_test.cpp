// Stack overflow is reported as "stack overflow in goroutine N", not a bare segfault. The
// detector stops the process, so each case runs in a child. Compiled, like the whole project,
// with -fstack-clash-protection, so that one large frame probes its pages from the top and
// meets the guard page instead of jumping over it; overflow_noprobe.cpp is the exception.
// Sanitizer builds own SIGSEGV and report overflows themselves (and TSan cannot follow a fork
// into a runtime): the cases are skipped there, explicitly, through kSkip.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "os/sys/child.h"
#include "os/sys/pipe.h"
#include "overflow_noprobe.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/stack.h"
#include "runtime/sync.h"

using namespace conc::rt;
using conc::rt::test::frame_without_probes;

namespace {

#if defined(CONC_ASAN) || defined(CONC_TSAN)
constexpr bool kSkip = true;
#else
constexpr bool kSkip = false;
#endif

// Recurses `depth` frames of 512 bytes deep; at the bottom, at_bottom() runs.
__attribute__((noinline)) int recurse_then(int depth, volatile char* sink, void (*at_bottom)()) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  frame[1] = 0;  // read after the call, so that it cannot be a tail call
  sink[0] = frame[0];
  if (depth == 0) {
    at_bottom();
    return 0;
  }
  return recurse_then(depth - 1, frame, at_bottom) + frame[1];
}

// ... and yields there: a switch while deep, where the canary / stack-pointer checks run.
int recurse(int depth, volatile char* sink) {
  return recurse_then(depth, sink, [] { yield(); });
}

// Ends the child at once, with a status no overflow report uses: reaching it means the
// overflow went unnoticed (and the switch at the goroutine's exit must not get to see it).
[[noreturn]] void unnoticed() {
  const char text[] = "overflow unnoticed\n";
  [[maybe_unused]] auto n = ::write(2, text, sizeof text - 1);
  ::_exit(3);
}

__attribute__((noinline)) int huge_probed_frame() {
  volatile char big[256 << 20];  // probed page by page, down through whatever lies below
  big[0] = 1;
  yield();
  return big[0];
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
  conc::os::Pipe err_pipe;
  auto child = conc::os::ChildProcess::spawn([&] {
    ::dup2(err_pipe.write_fd(), 2);
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
  err_pipe.close_write();
  const auto status = child.wait();
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = ::read(err_pipe.read_fd(), buf, sizeof buf)) > 0) {
    err.append(buf, static_cast<std::size_t>(n));
  }
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

  TEST_CASE("a yield with nothing else to run checks the stack, as a switch does" *
            doctest::skip(kSkip)) {
    // Goroutine 2 overflows and yields while main waits: no switch. Then it ends the child
    // before any switch could notice (before the fix: "overflow unnoticed", status 3).
    SUBCASE("the stack pointer, guard page or not") {
      for (Guards guards : {Guards::on, Guards::off}) {
        CAPTURE(guards == Guards::on);
        // 1 MiB in one step, no probes: the guard page is jumped over, nothing faults.
        const auto [code, err] = in_child(
            [] {
              frame_without_probes(1 << 20);
              unnoticed();
            },
            false, guards);
        CHECK(code == 2);
        CHECK(err.find("stack overflow in goroutine 2 (its stack pointer is below its stack)") !=
              std::string::npos);
      }
    }
    SUBCASE("the canary") {
      const auto [code, err] = in_child(
          [] {
            fill_below_stack();
            yield();
            unnoticed();
          },
          false, Guards::off);
      CHECK(code == 2);
      CHECK(err.find("stack overflow in goroutine 2 (the canary below its stack was "
                     "overwritten)") != std::string::npos);
    }
    SUBCASE("deep recursion without guard pages") {
      const auto [code, err] = in_child(
          [] {
            volatile char sink[1];
            recurse_then(2000, sink, [] {
              yield();
              unnoticed();
            });
          },
          false, Guards::off);
      CHECK(code == 2);
      CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
    }
  }

  TEST_CASE("a fault below the stack is an overflow even where no guard page is" *
            doctest::skip(kSkip)) {
    // Before the fix these died of a bare SIGSEGV (status -11, no message): the handler only
    // knew guard pages.
    SUBCASE("without guard pages, a probed frame runs off the end of the stacks") {
      const auto [code, err] = in_child([] { huge_probed_frame(); }, false, Guards::off);
      CHECK(code == 2);
      CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
      CHECK(err.find("stack exceeds") != std::string::npos);  // Go's lines come first
    }
    SUBCASE("a frame without probes jumps far past the guard page") {
      const auto [code, err] = in_child([] { frame_without_probes(std::size_t{256} << 20); });
      CHECK(code == 2);
      CHECK(err.find("stack overflow in goroutine 2") != std::string::npos);
    }
  }

  TEST_CASE("the report names the stack pointer and the stack's bounds" * doctest::skip(kSkip)) {
    const auto [code, err] = in_child([] { large_frame(); });
    CHECK(code == 2);
    CHECK(err.find("conc::rt: goroutine 2 stack exceeds ") != std::string::npos);
    CHECK(err.find("-byte limit\nconc::rt: sp=0x") != std::string::npos);
    CHECK(err.find(" stack=[0x") != std::string::npos);
  }

  TEST_CASE("canaries next to released stacks raise no false alarm" * doctest::skip(kSkip)) {
    // Unguarded neighbours, compacted (their top pages, which hold the canaries of the
    // stacks above, released) and copied back over and over, among ordinary goroutines.
    const auto [code, err] = in_child(
        [] {
          Chan<int> c(0);
          WaitGroup wg;
          const int n = 300, rounds = 10;
          wg.add(std::int64_t{2} * n);
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
    acquire_stacks(std::size_t{64} * 1024, &s, 1);
    const StackPoolStats p = stack_pool_stats();
    CHECK(p.guard_budget > 0);
    CHECK(p.guarded <= p.guard_budget);
    CHECK(*stack_canary(s) == kStackCanary);
    release_stacks(&s, 1);
  }
}
