// Lesson c10k's verdict rules, and the C18 rule it shares with lesson stack, on synthetic
// numbers.

#include <doctest/doctest.h>

#include <cerrno>

#include "lessons/c10k/c10k.h"
#include "lessons/common/thread_limits.h"

using namespace conc;
using namespace conc::lessons::c10k;
using report::Verdict;

namespace tl = conc::lessons::thread_limits;

namespace {
LoadPoint point(int threads, double work, double p99, double first) {
  LoadPoint p;
  p.threads = threads;
  p.work_per_cpu_second = work;
  p.switches_per_second = threads > 1 ? 250 : 0;
  p.slice_ns = threads > 1 ? 4e6 : 0;
  p.wake_p99_ns = p99;
  p.first_wake_ns = first;
  return p;
}
}  // namespace

TEST_SUITE("c10k verdicts") {
  TEST_CASE(
      "C18: a failed attempt or a tight limit confirms, room nuances, vast room contradicts") {
    const tl::Attempt ok{1000, 1000, 0, "8 MiB reserved"};
    const tl::Limit pid_max{"pid_max", 32'000, tl::LimitKind::count};
    const auto fits = tl::judge_c18(pid_max, ok);
    CHECK(fits.verdict == Verdict::nuanced);
    CHECK(fits.because.find("a count") != std::string::npos);
    CHECK(fits.because.find("8 MiB reserved") != std::string::npos);
    const auto tight =
        tl::judge_c18(tl::Limit{"memory (MemAvailable)", 5'000, tl::LimitKind::memory}, ok);
    CHECK(tight.verdict == Verdict::confirmed);
    CHECK(tight.because.find("memory") != std::string::npos);
    CHECK(tl::judge_c18(tl::Limit{"pid_max", 500'000, tl::LimitKind::count}, ok).verdict ==
          Verdict::contradicted);
    CHECK(tl::judge_c18(std::nullopt, ok).verdict == Verdict::contradicted);
    const auto failed = tl::judge_c18(tl::Limit{"cgroup pids.max", 40'000, tl::LimitKind::count},
                                      {10'000, 4'321, EAGAIN, ""});
    CHECK(failed.verdict == Verdict::confirmed);
    CHECK(failed.because.find("EAGAIN") != std::string::npos);
    CHECK(failed.because.find("4,321 of 10,000") != std::string::npos);
  }

  TEST_CASE("C18's memory limits: available memory per touched page, address space per stack") {
    tl::MemoryFacts m;
    m.available_bytes = 1024.0 * 1024 * 1024;
    m.vm_size_bytes = 0;
    const auto limits = tl::memory_limits(m, 16 * 1024, 8.0 * 1024 * 1024);
    REQUIRE(limits.size() == 2);
    CHECK(limits[0].more_threads == 32'768);      // 1 GiB ÷ (16 KiB touched + 16 KiB kernel stack)
    CHECK(limits[1].more_threads == 16'777'216);  // 128 TiB ÷ 8 MiB
    m.rlimit_as_bytes = 400'000.0 * 1024;
    m.vm_size_bytes = 300'000.0 * 1024;
    const auto capped = tl::memory_limits(m, 16 * 1024, 8.0 * 1024 * 1024);
    CHECK(capped[1].name == "address space (RLIMIT_AS)");
    CHECK(capped[1].more_threads == 12);
    const auto first = tl::tightest(capped);
    REQUIRE(first.has_value());
    CHECK(first->more_threads == 12);
    CHECK_FALSE(tl::tightest({}).has_value());
  }

  TEST_CASE("thread counts the task limit has no room for are left out, a margin kept") {
    const auto roomy = fit_counts({1, 10, 1000, 10'000}, 32'000);
    CHECK(roomy.kept == std::vector<int>{1, 10, 1000, 10'000});
    CHECK(roomy.left_out.empty());
    const auto tight = fit_counts({1, 10, 1000, 10'000}, 10'500);
    CHECK(tight.kept == std::vector<int>{1, 10, 1000});  // 10,000 > 10,500 - 2,000
    CHECK(tight.left_out == std::vector<int>{10'000});
    CHECK(tight.margin == 2'000);
    const auto small = fit_counts({100, 1000}, 600);  // half of the room stays free
    CHECK(small.kept == std::vector<int>{100});
    CHECK(small.margin == 300);
    const auto none = fit_counts({5, 10}, 0);
    CHECK(none.kept == std::vector<int>{1});  // its failure shows the limit
    CHECK(none.stand_in == 1);
    CHECK(none.left_out == std::vector<int>{5, 10});
    // prlimit --nproc=50 with most of it in use: 1 is measured, so it is not "left out".
    const auto nproc = fit_counts({1, 2, 10, 100}, 0);
    CHECK(nproc.kept == std::vector<int>{1});
    CHECK(nproc.left_out == std::vector<int>{2, 10, 100});
    CHECK(fit_counts({1, 2, 10, 100}, 3).kept == std::vector<int>{1, 2});  // room 3 - 1
    const auto stand_in = fit_counts({10, 100}, 12);  // room 6: N = 6 measured instead
    CHECK(stand_in.kept == std::vector<int>{6});
    CHECK(stand_in.stand_in == 6);
    CHECK(stand_in.left_out == std::vector<int>{10, 100});
    CHECK(roomy.stand_in == 0);
  }

  TEST_CASE("C19: 10 ms ÷ N followed, a flat turn, or something in between") {
    const SchedFacts eevdf{"EEVDF", 250, 1.4e6};
    const SchedFacts cfs{"CFS", 1000, std::nullopt};
    // A kernel that shared a 10 ms period (none does exactly; the rule must allow it).
    CHECK(judge_c19({{2, 5e6}, {5, 2.1e6}, {10, 1e6}}, cfs).verdict == Verdict::confirmed);
    // EEVDF kernel at HZ=250: a tick per turn whatever N. The cause named is the tick.
    const auto flat = judge_c19({{1, 60e6}, {2, 4e6}, {10, 4e6}, {1000, 4e6}}, eevdf);
    CHECK(flat.verdict == Verdict::contradicted);
    CHECK(flat.because.find("HZ=250") != std::string::npos);
    CHECK(flat.because.find("1.40 ms") != std::string::npos);
    CHECK(flat.because.find("HRTICK") != std::string::npos);
    // CFS kernel with a floor: shrinks, then stops.
    CHECK(judge_c19({{2, 6e6}, {5, 2.4e6}, {100, 1.5e6}}, cfs).verdict == Verdict::nuanced);
    const auto cfs_flat = judge_c19({{2, 3e6}, {10, 3e6}, {100, 3e6}}, cfs);
    CHECK(cfs_flat.because.find("minimum granularity") != std::string::npos);
    CHECK(cfs_flat.because.find("EEVDF") == std::string::npos);
    CHECK(judge_c19({{1, 60e6}}, eevdf).verdict == Verdict::not_judged);  // nothing to judge
  }

  TEST_CASE("C19 on a busy machine: threads that never ran leave their N out, saying so") {
    const SchedFacts eevdf{"EEVDF", 250, 1.4e6};
    // --quick on a busy machine: 35 of 100 threads never had a turn.
    const auto v = judge_c19({{2, 4e6}, {10, 4e6}, {100, 4e6, 65}}, eevdf);
    CHECK(v.because.find("only 65 of 100") != std::string::npos);
    CHECK(v.because.find("N=100: 4") == std::string::npos);  // not used as a point
    CHECK(judge_c19({{100, 4e6, 65}}, eevdf).verdict == Verdict::not_judged);
  }

  TEST_CASE("C20: both halves, one half, neither") {
    const LoadPoint one = point(1, 1e7, 3e3, 3e3);
    CHECK(judge_c20(one, point(1000, 0.5e7, 20e6, 2e9)).verdict == Verdict::confirmed);
    CHECK(judge_c20(one, point(1000, 0.999e7, 4e3, 5e3)).verdict == Verdict::contradicted);
    const auto late = judge_c20(one, point(1000, 0.999e7, 4e6, 2e9));
    CHECK(late.verdict == Verdict::nuanced);
    CHECK(late.because.find("(a)") != std::string::npos);
    CHECK(late.because.find("(b)") != std::string::npos);
  }

  TEST_CASE("C20: a probe that could not run says why, and nuances") {
    const LoadPoint one = point(1, 1e7, 3e3, 3e3);
    LoadPoint unprobed = point(1000, 0.5e7, 20e6, 2e9);
    unprobed.probe_missing = "at N=1000 the probe thread could not be created (EAGAIN)";
    const auto v = judge_c20(one, unprobed);
    CHECK(v.verdict == Verdict::nuanced);
    CHECK(v.because.find("EAGAIN") != std::string::npos);
  }

  TEST_CASE("C20: a CPU shared with other programs is not taken at face value") {
    LoadPoint shared = point(1, 1e7, 3e3, 3e3);
    shared.cpu_share = 0.659;
    const auto v = judge_c20(shared, point(1000, 0.5e7, 20e6, 2e9));
    CHECK(v.verdict == Verdict::nuanced);
    CHECK(v.because.find("65.9%") != std::string::npos);
  }

  TEST_CASE("C20's baseline: the smallest N that had the CPU, never the largest") {
    CHECK(c20_baseline({0.99, 0.99, 0.99}) == std::optional<std::size_t>(0));
    CHECK(c20_baseline({0.659, 0.95, 0.99}) == std::optional<std::size_t>(1));
    CHECK_FALSE(c20_baseline({0.5, 0.6, 0.99}).has_value());
    CHECK_FALSE(c20_baseline({0.99}).has_value());
  }
  TEST_CASE("C20 (a) on the I/O-bound load: a PTI guest whose wake-ups cost more than the work") {
    const LoadPoint one = point(1, 1e7, 3e3, 3e3);
    IoBoundPoint io;
    io.threads = 512;
    io.requests_per_s = 60'000;
    io.switches_per_s = 130'000;
    io.kernel_share = 0.62;
    io.switching_share = 0.71;
    io.work_ns = 4'000;
    const auto v = judge_c20(one, point(1000, 0.999e7, 20e6, 2e9), io);
    CHECK(v.verdict == Verdict::confirmed);
    CHECK(v.because.find("does eat the CPU") != std::string::npos);
    CHECK(v.because.find("71.0%") != std::string::npos);
  }

  TEST_CASE("C20 (a) on the I/O-bound load: bare metal with PCID where the work dominates") {
    const LoadPoint one = point(1, 1e7, 3e3, 3e3);
    IoBoundPoint io;
    io.threads = 512;
    io.requests_per_s = 200'000;
    io.switches_per_s = 400'000;
    io.kernel_share = 0.2;
    io.switching_share = 0.25;
    io.work_ns = 4'000;
    const auto v = judge_c20(one, point(1000, 0.999e7, 4e3, 5e3), io);
    CHECK(v.verdict == Verdict::contradicted);
    CHECK(v.because.find("does not eat the CPU") != std::string::npos);
  }
}
