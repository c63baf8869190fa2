// Where the scheduling part's time went: each N's planned windows beside the wall time each
// part of its measurement took (Row::took), and the part that overran most, named with its
// cause (a reader that waited for its CPU, threads slow to start or to be joined).

#include <fmt/format.h>

#include <array>

#include "lessons/c10k/parts.h"
#include "report/units.h"

namespace conc::lessons::c10k {

namespace {

using report::format_ns;

// A part "took longer than planned" from this much over its plan on: below it, the run is on
// plan (monotonic clock, a few sleeps and wake-ups of slack per N).
constexpr std::int64_t kOnPlanSlackNs = 200'000'000;
// The reader "waited for its CPU" when it ran for less than this share of its reads' wall time.
constexpr double kReaderRanShare = 0.5;

std::string ns(std::int64_t v) {
  return format_ns(static_cast<double>(v));
}

std::int64_t planned_ns(const Row& r) {
  return kSettleNs + r.window_ns + r.probe_window_ns;
}

// The part of the probe window beyond its plan that is not reading /proc: waiting for enough
// wake-ups (the stretch, up to twice the window).
std::int64_t probe_stretch_ns(const Row& r) {
  return std::max<std::int64_t>(0, r.took.probe_ns - r.took.probe_read_ns - r.probe_window_ns);
}

struct Overrun {
  std::string part;
  std::int64_t ns = 0;
  std::string why;
};

// The parts outside the windows, summed over the rows, each with what explains it.
std::array<Overrun, 4> overruns(const std::vector<Row>& rows, int reader_cpu) {
  std::int64_t create = 0, create_cpu = 0, read = 0, read_cpu = 0, stretch = 0, stop = 0,
               stop_cpu = 0;
  for (const auto& r : rows) {
    create += r.took.create_ns + r.took.open_ns;
    create_cpu += r.took.create_cpu_ns;
    read += r.took.busy_read_ns + r.took.probe_read_ns;
    read_cpu += r.took.read_cpu_ns;
    stretch += probe_stretch_ns(r);
    stop += r.took.stop_ns + r.took.settle_ns;
    stop_cpu += r.took.stop_cpu_ns;
  }
  const std::string reader =
      reader_cpu >= 0 ? fmt::format("CPU {}", reader_cpu) : std::string("the same CPU");
  std::string read_why =
      static_cast<double>(read_cpu) < kReaderRanShare * static_cast<double>(read)
          ? fmt::format(
                "the reading thread ran for only {} of them: it waited for {}, where other "
                "programs ran (the kernel splits this process's weight between CPUs by its "
                "load, so next to many busy threads the reader counts for little)",
                ns(read_cpu), reader)
          : fmt::format("the reading thread was on {} for {} of them: the files themselves cost",
                        reader, ns(read_cpu));
  return {
      {{"creating the threads", create,
        fmt::format("the creating thread ran for {} of it (each thread is created, pinned "
                    "and reaches the gate in turn){}",
                    ns(create_cpu),
                    static_cast<double>(create_cpu) < kReaderRanShare * static_cast<double>(create)
                        ? fmt::format(": it waited for {}", reader)
                        : std::string())},
       {"reading /proc at the windows' ends", read, std::move(read_why)},
       {"stretching the probe window", stretch,
        "the sleeper had fewer than the wake-ups it needs (the plan allows up to twice the "
        "window)"},
       {"stopping and joining the threads", stop,
        fmt::format("the joining thread ran for {} of it: each worker must get a turn to "
                    "exit, and the joiner a turn on its CPU",
                    ns(stop_cpu))}}};
}

// " At N=1000 the reads ran out of time: ..." for every N that left threads unread.
std::string unread_text(const std::vector<Row>& rows) {
  std::string text;
  for (const auto& r : rows) {
    if (r.unread > 0 || r.probe_unread > 0) {
      text += fmt::format(
          " (!) At N={} the reads ran out of time: {} of {} threads unread in the busy window, "
          "{} in the window with the sleeper.",
          r.created, report::format_count(r.unread), report::format_count(r.created),
          report::format_count(r.probe_unread));
    }
  }
  return text;
}

std::string timing_note(const std::vector<Row>& rows, int reader_cpu) {
  std::int64_t planned = 0, took = 0;
  for (const auto& r : rows) {
    planned += planned_ns(r);
    took += r.took.total_ns;
  }
  std::string text = fmt::format(
      "planned: the windows of the plan (the settling pause, the busy window and the probe "
      "window); start: creating the threads until all wait at the gate, and opening their "
      "/proc files; busy, probe: each window with the /proc reads at its ends; stop: telling "
      "the threads to stop, joining them and waiting for them to leave /proc; reads: wall "
      "time of the /proc reads, and the CPU time the reading thread used for them. Each "
      "snapshot stops after {} of its window (at least {}) and the threads not read by then "
      "are left out and marked. The windows were planned at {} in all; measuring them took "
      "{}.{}",
      report::format_percent(kReadBoundShare), ns(kMinReadBoundNs), ns(planned), ns(took),
      unread_text(rows));
  if (took - planned < kOnPlanSlackNs) {
    return text;
  }
  const auto parts = overruns(rows, reader_cpu);
  const auto* most = &parts.front();
  for (const auto& p : parts) {
    most = p.ns > most->ns ? &p : most;
  }
  return text +
         fmt::format(" Most of the rest went to {} ({}): {}.", most->part, ns(most->ns), most->why);
}

}  // namespace

void report_timing(LessonContext& ctx, const std::vector<Row>& rows, int reader_cpu) {
  report::Table t{"time_taken",
                  "How long each part took: the plan against this run",
                  {"N", "planned", "took", "start", "busy", "probe", "stop", "reads", "its CPU"},
                  {},
                  timing_note(rows, reader_cpu)};
  for (const auto& r : rows) {
    t.rows.push_back({static_cast<std::int64_t>(r.requested), ns(planned_ns(r)),
                      ns(r.took.total_ns), ns(r.took.create_ns + r.took.open_ns),
                      ns(r.took.busy_ns), ns(r.took.probe_ns),
                      ns(r.took.stop_ns + r.took.settle_ns),
                      ns(r.took.busy_read_ns + r.took.probe_read_ns), ns(r.took.read_cpu_ns)});
  }
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::c10k
