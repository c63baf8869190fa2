// C20's I/O-bound load: N threads that each do a few microseconds of work per request and block
// between requests (os::run_io_bound), at rising N. The lesson orchestrates and fills the
// report; the rule that reads the largest row is judge_c20.

#include <fmt/format.h>

#include "lessons/c10k/parts.h"
#include "os/workloads/io_bound_threads.h"
#include "report/units.h"

namespace conc::lessons::c10k {

namespace {

const std::vector<int> kIoBoundCounts = {2, 8, 32, 128, 512};
const std::vector<int> kQuickIoBoundCounts = {2, 32, 128};
constexpr std::chrono::milliseconds kIoBoundWindow{100};
constexpr std::chrono::milliseconds kQuickIoBoundWindow{50};

using report::format_number;
using report::format_percent;

}  // namespace

std::optional<IoBoundPoint> measure_io_bound(LessonContext& ctx, int cpu) {
  const std::vector<int>& counts = ctx.quick() ? kQuickIoBoundCounts : kIoBoundCounts;
  report::Table t{"io_bound",
                  fmt::format("I/O-bound threads on CPU {}: a request = a wake-up, some "
                              "work, a block",
                              cpu),
                  {"threads", "requests/s", "switches/s", "CPU used", "in kernel", "not work"},
                  {},
                  ""};
  std::optional<IoBoundPoint> largest;
  double work_ns = 0;
  std::string limit, uncounted;
  for (const int n : counts) {
    LessonContext::check_interrupted();
    ctx.progress(fmt::format("c10k: {} I/O-bound threads", n));
    os::IoBoundConfig c;
    c.threads = n;
    c.cpu = cpu;
    c.window = ctx.quick() ? kQuickIoBoundWindow : kIoBoundWindow;
    const os::IoBoundResult r = os::run_io_bound(c);
    if (r.threads_started == 0) {
      limit = r.limit;
      break;
    }
    work_ns = r.work_ns;
    t.rows.push_back({fmt::format("{}", r.threads_started), format_number(r.requests_per_s),
                      format_number(r.switches_per_s), format_percent(std::min(r.cpu_share, 1.0)),
                      format_percent(r.kernel_share), format_percent(r.switching_share)});
    largest = IoBoundPoint{r.threads_started, r.requests_per_s,  r.switches_per_s,
                           r.kernel_share,    r.switching_share, r.work_ns};
    if (r.threads_counted < r.threads_started) {
      uncounted += fmt::format(" At {} threads the switches of only {} could be read.",
                               r.threads_started, r.threads_counted);
    }
    if (!r.limit.empty()) {
      limit = fmt::format("{} of {} threads started ({})", r.threads_started, n, r.limit);
      break;
    }
  }
  t.note = fmt::format(
      "Each thread blocks on its own eventfd (its connection); a driver thread pings all of "
      "them and waits for every reply, then pings again. A request is {} of work (timed alone "
      "on this CPU) between two blocks. switches/s: the worker threads' own switches, "
      "voluntary and involuntary (/proc/self/task/<tid>/status, read just before and just "
      "after the window), per second of a {} ms window; the driver's and the rest of the "
      "process's are not counted. CPU used: user + kernel time ÷ window (at most 100%). Not "
      "work: 1 − requests × the work ÷ CPU time, i.e. what waking, switching and the system "
      "calls took (the kernel's user/kernel split is sampled at ticks, so 'in kernel' is "
      "coarse).{}",
      report::format_ns(work_ns), (ctx.quick() ? kQuickIoBoundWindow : kIoBoundWindow).count(),
      limit.empty() ? "" : " " + limit, uncounted);
  ctx.report().add(std::move(t));
  return largest;
}

}  // namespace conc::lessons::c10k
