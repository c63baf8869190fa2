// Lesson `stack`, C18: which limit stops thread creation first on this machine, and a
// bounded live attempt that starts a few thousand threads and measures what each one costs.

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lessons/common/lesson.h"
#include "lessons/common/thread_limits.h"
#include "lessons/stack/stack.h"
#include "os/procfs/limits.h"
#include "os/procfs/proc_read.h"
#include "os/procfs/system_wide.h"
#include "os/procfs/task_parse.h"
#include "os/procfs/thread_caps.h"
#include "os/sys/clock.h"
#include "os/workloads/parked_threads.h"
#include "report/units.h"

namespace conc::lessons::stack {

namespace {

using std::chrono::milliseconds;
// The live attempt's threads only park: a small stack keeps the attempt about task limits.
constexpr std::size_t kHerdStackBytes = 64 * kKiB;
// --max-threads never exceeds this, nor a quarter of pid_max: pids are machine-wide, and
// other programs (and people) need some while the attempt holds its own.
constexpr int kAbsoluteCap = 16'384;
// The user address space and the kernel stack per thread: one home for both facts, shared
// with lesson c10k's memory limits.
constexpr auto kUserAddressSpace =
    static_cast<std::uint64_t>(thread_limits::kUserAddressSpaceBytes);
using thread_limits::kKernelStackBytes;

long long maps_now() {
  return static_cast<long long>(os::read_maps(::getpid()).size());
}

// Address space held back while the threads are being started, and given back before the
// process's size and mappings are read with all of them alive: when the threads' stacks are
// what exhausts RLIMIT_AS (`ulimit -v`), reading /proc/self/maps (some MiB of text with
// thousands of threads) still finds room. PROT_NONE: it costs no memory, only addresses.
constexpr std::size_t kReadingReserveBytes = 32 * kMiB;
class AddressReserve {
 public:
  AddressReserve()
      : at_(::mmap(nullptr, kReadingReserveBytes, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) {}
  ~AddressReserve() { release(); }
  AddressReserve(const AddressReserve&) = delete;
  AddressReserve& operator=(const AddressReserve&) = delete;
  void release() {
    if (at_ != MAP_FAILED) {
      ::munmap(at_, kReadingReserveBytes);
      at_ = MAP_FAILED;
    }
  }

 private:
  void* at_;
};

}  // namespace

int max_threads_cap() {
  const auto pid_max = os::read_pid_max().value_or(32768);
  return static_cast<int>(std::max<long long>(1, std::min<long long>(kAbsoluteCap, pid_max / 4)));
}

HerdResult start_parked_threads(int count, std::size_t stack_bytes) {
  HerdResult r;
  r.requested = count;
  const auto before = os::read_status(::getpid()).value_or(os::ProcStatus{});
  r.rss_before_kib = before.vm_rss_kib.value_or(0);
  r.size_before_kib = before.vm_size_kib.value_or(0);
  r.maps_before = maps_now();
  AddressReserve reserve;
  os::ParkedThreads herd;
  r.create_ns.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    if (i % 64 == 0) {
      LessonContext::check_interrupted();
    }
    const auto t0 = os::monotonic_ns();
    const int err = herd.start([&herd] { herd.park(); }, {.stack_bytes = stack_bytes, .cpu = -1});
    if (err != 0) {
      r.error = err;
      break;
    }
    r.create_ns.push_back(static_cast<double>(os::monotonic_ns() - t0));
    ++r.created;
  }
  // Every thread has run (and touched its stack) once it has parked.
  herd.wait_parked(static_cast<std::size_t>(r.created), milliseconds(10'000));
  reserve.release();
  const auto after = os::read_status(::getpid()).value_or(os::ProcStatus{});
  r.rss_after_kib = after.vm_rss_kib.value_or(0);
  r.size_after_kib = after.vm_size_kib.value_or(0);
  r.maps_after = maps_now();
  herd.join_all();
  return r;
}

void thread_limits_experiment(LessonContext& ctx, int max_threads) {
  auto input = os::read_thread_cap_input();
  const auto& caps = input.caps;
  const auto tasks = input.tasks_on_system;
  int count = max_threads;
  if (caps.pid_max && tasks) {
    // Leave at least half of the free pids to the rest of the machine.
    const auto allowed = std::max<long long>(1, (*caps.pid_max - *tasks) / 2);
    if (count > allowed) {
      ctx.warn(fmt::format("only {} pids are free; the live attempt starts {} threads, not {}",
                           *caps.pid_max - *tasks, allowed, count));
      count = static_cast<int>(allowed);
    }
  }
  ctx.explain(
      "How many threads fit?",
      fmt::format(
          "Live attempt: this process starts {} threads with {} stacks, each of which only "
          "waits, measures its memory and mappings with all of them alive, then lets them go. "
          "The first pthread_create that fails (EAGAIN: a limit hit) ends it. Then every limit "
          "that could stop thread creation is worked out for this machine, from the figures "
          "just measured.",
          report::format_count(count), report::format_bytes(static_cast<double>(kHerdStackBytes))));
  const auto herd = start_parked_threads(count, kHerdStackBytes);
  const double n = std::max(1, herd.created);
  AttemptView attempt;
  attempt.requested = herd.requested;
  attempt.created = herd.created;
  attempt.error = herd.error;
  attempt.rss_per_thread = static_cast<double>(herd.rss_after_kib - herd.rss_before_kib) * 1024 / n;
  attempt.maps_per_thread = static_cast<double>(herd.maps_after - herd.maps_before) / n;
  const double size_per_thread =
      static_cast<double>(herd.size_after_kib - herd.size_before_kib) * 1024 / n;
  ctx.measure("thread_create_ns", "pthread_create, 64 KiB stack", "ns", herd.create_ns,
              "wall time of each pthread_create in the live attempt (the new thread's first run "
              "overlaps the next creations)");
  report::Table live{"live_attempt",
                     "Live attempt",
                     {"threads asked", "started", "stopped by", "RSS per thread",
                      "address space per thread", "mappings per thread"},
                     {},
                     ""};
  live.rows.push_back(
      {static_cast<std::int64_t>(herd.requested), static_cast<std::int64_t>(herd.created),
       herd.error == 0
           ? std::string("nothing: all started")
           : fmt::format("{} ({})", strerrorname_np(herd.error), std::strerror(herd.error)),
       report::format_bytes(attempt.rss_per_thread), report::format_bytes(size_per_thread),
       report::format_number(attempt.maps_per_thread)});
  live.note = fmt::format(
      "Each thread reserved its {} stack plus a guard page, and two mappings (stack and guard), "
      "but only the pages it touched count in RSS.",
      report::format_bytes(static_cast<double>(kHerdStackBytes)));
  ctx.report().add(std::move(live));

  // The limits, each as "how many more threads it allows".
  const auto default_stack = os::default_thread_stack_bytes();
  const auto per_thread_va = default_stack + os::page_size();
  const auto maps_per_thread = attempt.maps_per_thread >= 1 ? attempt.maps_per_thread : 2.0;
  const auto status = os::read_status(::getpid()).value_or(os::ProcStatus{});
  const auto vm_size = static_cast<std::uint64_t>(status.vm_size_kib.value_or(0)) * kKiB;
  std::vector<ThreadCap> list;
  const auto meminfo = os::read_meminfo().value_or("");
  const auto mem_kib = os::parse_meminfo_kib(meminfo, "MemAvailable");
  const double mem_per_thread = std::max(0.0, attempt.rss_per_thread) + kKernelStackBytes;
  list.push_back(
      {"memory (MemAvailable)",
       mem_kib ? std::optional(
                     static_cast<long long>(static_cast<double>(*mem_kib) * 1024 / mem_per_thread))
               : std::nullopt,
       true, true,
       fmt::format("{} available / ({} RSS + {} kernel stack per thread, assumed for {})",
                   report::format_bytes(static_cast<double>(mem_kib.value_or(0)) * 1024),
                   report::format_bytes(attempt.rss_per_thread),
                   report::format_bytes(kKernelStackBytes), thread_limits::kAssumedArch)});
  const auto as_limit = os::get_rlimit(RLIMIT_AS);
  const std::uint64_t space = as_limit.soft ? *as_limit.soft : kUserAddressSpace;
  list.push_back(
      {"address space",
       static_cast<long long>((space > vm_size ? space - vm_size : 0) / per_thread_va), true, true,
       fmt::format("{} ({}) / {} per default thread (stack + guard)",
                   report::format_bytes(static_cast<double>(space)),
                   as_limit.soft
                       ? "RLIMIT_AS"
                       : fmt::format("{} user space, assumed", thread_limits::kAssumedArch),
                   report::format_bytes(static_cast<double>(per_thread_va)))});
  const auto overcommit = os::read_overcommit_memory();
  if (overcommit == 2) {
    const auto limit = os::parse_meminfo_kib(meminfo, "CommitLimit").value_or(0);
    const auto used = os::parse_meminfo_kib(meminfo, "Committed_AS").value_or(0);
    list.push_back(
        {"commit limit (overcommit_memory = 2)",
         std::max<long long>(0, (limit - used) * 1024 / static_cast<long long>(default_stack)),
         true, true, "(CommitLimit - Committed_AS) / default stack"});
  } else {
    list.push_back({"commit limit", std::nullopt, false, true,
                    fmt::format("overcommit_memory = {}: untouched stack pages are not charged",
                                overcommit.value_or(-1))});
  }
  // The limits that count tasks or mappings (os::thread_caps), with the mappings counted
  // before the attempt: the stacks of its ended threads stay mapped in glibc's cache, ready
  // for new threads, so they take no more mappings.
  input.maps_in_use = herd.maps_before;
  input.maps_per_thread = std::max(1, static_cast<int>(std::lround(maps_per_thread)));
  for (const auto& c : os::thread_caps(input)) {
    const bool maps = c.name == "max_map_count";
    list.push_back({c.name, c.headroom, true, false,
                    fmt::format("{} ({}) - {} {} in use{}", report::format_count(c.limit), c.where,
                                report::format_count(c.in_use), maps ? "mappings" : "tasks",
                                maps ? fmt::format(", / {} per thread", input.maps_per_thread)
                                     : std::string())});
  }
  if (!input.nproc_enforced) {
    std::optional<long long> room;
    if (input.nproc.soft && tasks) {
      room = static_cast<long long>(*input.nproc.soft) - *tasks;
    }
    list.push_back({"RLIMIT_NPROC", room, false, false,
                    fmt::format("ulimit -u = {}; not enforced for root",
                                os::format_ulimit_count(input.nproc.soft))});
  }
  if (!caps.cgroup_pids_max) {
    const auto v1 = os::read_cgroup_v1_pids_headroom();
    list.push_back({"cgroup pids.max", v1, true, false,
                    v1 ? "pids.max - pids.current of this process's cgroup (v1 hierarchy)"
                       : "no pids limit on this process's cgroup"});
  }

  const auto first = first_cap(list);
  report::Table t{"thread_caps",
                  "What would stop thread creation, and after how many more threads",
                  {"limit", "more threads", "worked out as"},
                  {},
                  ""};
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    std::string more = c.more_threads ? report::format_count(*c.more_threads) : "no limit";
    if (!c.enforced && c.more_threads) {
      more += " (not enforced)";
    }
    if (first && *first == i) {
      more += "  <- first";
    }
    t.rows.push_back({c.name, more, c.basis});
  }
  t.note =
      "pthread_create fails with EAGAIN at whichever comes first. Memory and address space "
      "depend on the stack size; the others count tasks, whatever their stacks.";
  ctx.report().add(std::move(t));
  ctx.verdict(judge_c18(list, attempt));
}

}  // namespace conc::lessons::stack
