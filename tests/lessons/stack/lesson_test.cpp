#include <doctest/doctest.h>

#include <sys/resource.h>

#include <unistd.h>

#include <cerrno>

#include "lessons/common/lesson.h"
#include "lessons/common/report_checks.h"
#include "lessons/stack/stack.h"
#include "os/procfs/proc_read.h"
#include "os/sys/child.h"
#include "runtime/runtime.h"

using namespace conc;
using namespace conc::lessons::stack;
using report::Verdict;

namespace {
#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer maps memory of its own for every new thread and dies when that fails, so
// an address-space limit cannot be hit cleanly under it.
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
}  // namespace

TEST_SUITE("lesson stack") {
  TEST_CASE("a limit hit while starting threads is reported, not thrown" * doctest::skip(kAsan)) {
    // In a child, cap the address space a little above what is in use: thread stacks then
    // fail to map and pthread_create returns EAGAIN.
    auto child = os::ChildProcess::spawn([] {
      const auto st = os::read_status(::getpid());
      if (!st || !st->vm_size_kib) {
        return 3;
      }
      const rlim_t cap = static_cast<rlim_t>(*st->vm_size_kib) * 1024 + 48 * kMiB;
      const rlimit rl{cap, cap};
      if (::setrlimit(RLIMIT_AS, &rl) != 0) {
        return 4;
      }
      const auto r = start_parked_threads(4000, 64 * kKiB);
      // EAGAIN: no room for a stack; ENOMEM: none for the heap. Either is a limit, reported.
      const bool limit = r.error == EAGAIN || r.error == ENOMEM;
      return limit && r.created > 0 && r.created < 4000 && r.maps_after > r.maps_before ? 0 : 5;
    });
    const auto status = child.wait_for(std::chrono::seconds(30));
    REQUIRE(status.has_value());
    CHECK(status->describe() == "exit 0");
  }

  TEST_CASE("the live lesson, quick: the limit as getrlimit says, deeper on a bigger stack") {
    const auto r = lessons::run_lesson_with_args("stack", {"--quick", "--max-threads", "300"});
    rlimit rl{};
    REQUIRE(::getrlimit(RLIMIT_STACK, &rl) == 0);
    const auto* soft = r.find_measurement("rlimit_stack_soft_bytes");
    if (rl.rlim_cur == RLIM_INFINITY) {
      CHECK(soft == nullptr);
    } else {
      REQUIRE(soft != nullptr);
      CHECK(soft->stats.median == static_cast<double>(rl.rlim_cur));
    }
    const auto* big = r.find_measurement("overflow_depth_8mib");
    const auto* small = r.find_measurement("overflow_depth_64kib");
    REQUIRE(big != nullptr);
    REQUIRE(small != nullptr);
    CHECK(small->stats.min > 0);
    CHECK(big->stats.min > small->stats.max);
    // Only the pages written become resident: the 16 KiB written deep in a fresh thread's stack
    // add at least 16 KiB, and the 256 KiB skipped on the way there add nothing.
    const auto* growth = r.find_measurement("thread_stack_growth_16k_bytes");
    const auto* at_start = r.find_measurement("thread_stack_resident_at_start_bytes");
    REQUIRE(growth != nullptr);
    REQUIRE(at_start != nullptr);
    CHECK(growth->stats.min >= 16.0 * 1024);
    CHECK(at_start->stats.max < 256.0 * 1024);
    // The goroutine row: the runtime's reservation, the same recursion overflowing it in a
    // child that the runtime's fatal error ends (a sanitizer build takes the fault itself).
    const auto* kinds = find_table(r, "stack_kinds");
    REQUIRE(kinds != nullptr);
    CHECK(kinds->rows.size() == 3);
    const auto* g_reserved = r.find_measurement("goroutine_stack_reserved_bytes");
    const auto* g_depth = r.find_measurement("overflow_depth_goroutine");
    REQUIRE(g_reserved != nullptr);
    REQUIRE(g_depth != nullptr);
    CHECK(g_reserved->stats.median == static_cast<double>(rt::Config{}.stack_size));
    CHECK(g_depth->stats.min > 0);
    CHECK(g_depth->stats.max < big->stats.min);
    if (!kAsan) {
      CHECK(kinds->note.find("fatal error: stack overflow in goroutine") != std::string::npos);
    }
    const auto* live = find_table(r, "live_attempt");
    REQUIRE(live != nullptr);
    CHECK(std::get<std::int64_t>(live->rows.at(0).at(0)) == 300);
    for (const auto& v : r.verdicts) {
      CAPTURE(v.claim);
      CAPTURE(v.because);
      if (v.claim == "C21") {
        CHECK(v.verdict == Verdict::confirmed);
      }
    }
  }
}
