// Lesson `c10k`: the measurements, tables and chart of a run, one function each (the rows are
// measured in c10k.cpp).

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "lessons/c10k/c10k.h"
#include "lessons/c10k/parts.h"
#include "os/procfs/proc_parse.h"
#include "os/workloads/slice_model.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons::c10k {

namespace {

using report::format_count;
using report::format_ns;
using report::format_number;
using report::format_percent;

const std::string kDash = "—";

std::string ns_or_dash(const std::optional<double>& ns) {
  return ns ? format_ns(*ns) : kDash;
}

// "1.40 ms → 4.00 ms": a policy's slice and what it becomes when only ticks preempt.
std::string slice_at_ticks(double slice_ns, int hz) {
  const double run = os::tick_rounded_run_ns(slice_ns, hz);
  if (std::abs(run - slice_ns) < 1) {
    return format_ns(slice_ns);
  }
  return format_ns(slice_ns) + " → " + format_ns(run);
}

// One unit of work, in CPU time: the inverse of the baseline's work per CPU-second.
std::optional<double> unit_ns(const Row& baseline) {
  const double rate = baseline.work_per_cpu_second();
  return rate > 0 ? std::optional<double>(1e9 / rate) : std::nullopt;
}

std::string slices_note(const std::optional<double>& se_slice, double eevdf, bool eevdf_here,
                        int cpus, int hz) {
  const std::string eevdf_text =
      se_slice
          ? fmt::format(
                "se.slice = {}, read from /proc/<pid>/task/<tid>/sched; the default "
                "is 0.70–0.75 ms × (1 + log2 CPUs)",
                format_ns(*se_slice))
          : fmt::format("{} by its formula, 0.70–0.75 ms × (1 + log2 CPUs), for {} CPUs{}",
                        format_ns(eevdf), cpus, eevdf_here ? "; se.slice could not be read" : "");
  return fmt::format(
      "mean turn = Σ time on the CPU ÷ Σ turns of all the threads over the window (schedstat). "
      "EEVDF gives every task the same requested slice whatever N is ({}). {}CFS aimed at a "
      "period of 6 ms × (1 + log2 min(CPUs, 8)) shared by N, with a floor of 0.75 ms × that "
      "factor past 8 tasks (computed here for {} CPUs). \"→\" is the same slice rounded up to "
      "the next timer tick (HZ={}), because a busy task is only preempted at a tick or a "
      "wake-up. A lone thread (N=1) has no slice: it runs until a tick finds something else to "
      "run.",
      eevdf_text, eevdf_here ? "This kernel runs EEVDF. " : "This kernel runs CFS. ", cpus,
      hz > 0 ? std::to_string(hz) : std::string("unknown"));
}

// What the sleeper's measured lateness says about serving it within a tick, N by N.
std::string sleeper_text(const std::vector<Row>& rows, const std::optional<int>& hz) {
  if (!hz) {
    return "";
  }
  const double tick = 1e9 / *hz;
  std::string within, beyond;
  for (const auto& r : rows) {
    if (r.lateness_ns.empty()) {
      continue;
    }
    const double p99 = percentile(r.lateness_ns, 99);
    std::string& list = p99 <= tick ? within : beyond;
    list += fmt::format("{}N={}{}", list.empty() ? "" : ", ", format_count(r.created),
                        p99 <= tick ? std::string() : fmt::format(" ({})", format_ns(p99)));
  }
  const std::string tick_text = fmt::format("{} at HZ={}", format_ns(tick), *hz);
  if (within.empty() && beyond.empty()) {
    return "";
  }
  if (beyond.empty()) {
    return fmt::format(
        "Here the sleeper's p99 stayed within a tick ({}) at {}: EEVDF remembers across a "
        "sleep the CPU time a task is owed (its lag), so a woken sleeper is served soon.",
        tick_text, within);
  }
  return fmt::format(
      "Here the sleeper's p99 was {}past a tick ({}) at {}: the lag a task is owed across a "
      "sleep lets it go ahead of busy tasks, but not always of all of them.",
      within.empty() ? std::string() : fmt::format("within a tick at {} and ", within), tick_text,
      beyond);
}

std::string cost_note(const std::vector<Row>& rows, const Row& base, const RunFacts& facts) {
  const auto unit = unit_ns(base);
  return fmt::format(
      "switches/s = turns begun per second, all threads together; involuntary = share of those "
      "switches that were preemptions (/proc/<pid>/task/<tid>/sched); CPU share = the workers' "
      "time on the CPU ÷ window (100% = all of CPU {}; ± one tick, since the running thread's "
      "counter is brought up to date only at ticks, so it is shown at most 100%); work/s = "
      "work units finished inside the "
      "window, one unit being {} xorshift rounds{}; work per CPU-s = units per second of CPU "
      "time the workers had, relative to N={} ({}), so that other programs taking the CPU do "
      "not count as switching cost (above 100%: more work per CPU-second than N={}, the "
      "noise between windows); waited per turn = "
      "schedstat run-queue wait ÷ turns. Then the probe arrives on the CPU (its own window, "
      "busy threads still running): first wake = how late its first 1 ms sleep ended, just "
      "after it arrived; p50 and p99 = all its later wake-ups. {}",
      facts.cpu, kRoundsPerUnit,
      unit ? fmt::format(" ≈ {} of CPU here (1 ÷ work per CPU-second at N={})", format_ns(*unit),
                         base.created)
           : std::string(),
      base.created,
      facts.baseline_trusted
          ? fmt::format("the smallest N that had at least {} of the CPU",
                        format_percent(kMinCpuShare))
          : fmt::format("no N had {} of the CPU: other programs ran on it throughout",
                        format_percent(kMinCpuShare)),
      base.created, sleeper_text(rows, facts.info.config_hz));
}

}  // namespace

std::string error_name(int err) {
  return fmt::format("{}: {}", strerrorname_np(err), std::strerror(err));
}

double percentile(const std::vector<std::int64_t>& samples, double p) {
  if (samples.empty()) {
    return 0;
  }
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  return report::percentile_of_sorted(sorted, p);
}

void report_measurements(LessonContext& ctx, const std::vector<Row>& rows, int cpu) {
  for (const auto& r : rows) {
    if (r.created >= 2 && !r.thread_turns_ns.empty()) {
      ctx.measure(fmt::format("slice_ns_n{}", r.requested),
                  fmt::format("each thread's mean turn, {} busy threads", format_count(r.created)),
                  "ns", r.thread_turns_ns,
                  "schedstat of each thread over the window: its time on the CPU ÷ its turns; "
                  "median and spread across the threads (the tables give Σ run ÷ Σ turns over "
                  "all of them)");
    }
  }
  for (const auto& r : rows) {
    if (!r.lateness_ns.empty()) {
      ctx.measure(fmt::format("wake_late_ns_n{}", r.requested),
                  fmt::format("1 ms sleeper among {} busy: wakes late by", format_count(r.created)),
                  "ns", std::vector<double>(r.lateness_ns.begin(), r.lateness_ns.end()),
                  fmt::format("the probe pinned to CPU {} beside the busy threads, one sample "
                              "per wake-up after its first (the first is in the cost table)",
                              cpu));
    }
  }
}

void report_slices(LessonContext& ctx, const std::vector<Row>& rows, const os::SystemInfo& info) {
  const int hz = info.config_hz.value_or(0);
  const int cpus = static_cast<int>(std::max<std::size_t>(1, info.online_cpus.size()));
  const auto version = os::parse_kernel_release(info.kernel_release).value_or(os::KernelVersion{});
  const bool eevdf_here = version.at_least(6, 6);
  std::optional<double> se_slice = info.se_slice_ns;
  for (const auto& r : rows) {
    se_slice =
        r.se_slice_ns ? std::optional<double>(static_cast<double>(*r.se_slice_ns)) : se_slice;
  }
  const double eevdf =
      se_slice.value_or(os::eevdf_base_slice_ns(cpus, version.major, version.minor));
  report::Table table{
      "slices",
      "The slice: measured, the notes' model and the kernel's policies",
      {"N", "mean turn (Σ run ÷ Σ turns)", "notes: 10 ms ÷ N", "measured ÷ notes",
       std::string(eevdf_here ? "EEVDF (this kernel)" : "EEVDF (6.6+)"),
       std::string(eevdf_here ? "CFS (before 6.6)" : "CFS (this kernel)"), "one round"},
      {},
      ""};
  for (const auto& r : rows) {
    const auto turn = r.mean_turn_ns();
    const double model = os::notes_model_slice_ns(r.created);
    const bool alone = r.created < 2;
    // A mean over only the threads that had a turn is not the mean turn, and one over the
    // threads read is a sample: both marked (the note says which).
    const int ran = r.ran();
    const int read = r.read();
    std::string subset;
    if (turn && ran < read) {
      subset = fmt::format(" (!) {} ran", format_count(ran));
    } else if (turn && read < r.created) {
      subset = fmt::format(" (!) {} read", format_count(read));
    }
    table.rows.push_back({static_cast<std::int64_t>(r.created),
                          alone ? std::string("— (alone)") : ns_or_dash(turn) + subset,
                          format_ns(model),
                          turn ? report::Value{*turn / model} : report::Value{kDash},
                          alone ? std::string("runs on") : slice_at_ticks(eevdf, hz),
                          alone ? std::string("runs on")
                                : slice_at_ticks(os::cfs_slice(r.created, cpus).slice_ns, hz),
                          turn ? format_ns(os::round_ns(r.created, *turn)) : kDash});
  }
  table.note = slices_note(se_slice, eevdf, eevdf_here, cpus, hz);
  for (const auto& r : rows) {
    const int ran = r.ran();
    const int read = r.read();
    if (r.created >= 2 && r.unread > 0 && ran == read && r.mean_turn_ns()) {
      table.note += fmt::format(
          " (!) N={}: the /proc reads at the window's ends ran out of time (the reader waited "
          "for its CPU) and left {} of the {} threads unread, so its mean is over the {} read: "
          "the first in thread order, cut by the clock, not chosen by how they ran. {}",
          r.created, format_count(r.unread), format_count(r.created), format_count(read),
          r.enough_read()
              ? "A sample, which C19 uses."
              : fmt::format("Fewer than {:.0f}% of them: C19 leaves it out.", kMinReadShare * 100));
    } else if (r.created >= 2 && ran < read && r.mean_turn_ns()) {
      table.note += fmt::format(
          " (!) N={}: only {} of the {} threads had a turn in the window (the others waited "
          "throughout), so its mean is over those that ran and C19 leaves it out.",
          r.created, format_count(ran), format_count(read));
    }
  }
  ctx.report().add(std::move(table));
}

void report_cost(LessonContext& ctx, const std::vector<Row>& rows, const RunFacts& facts) {
  const Row& base = rows[facts.baseline];
  const double base_work = base.work_per_cpu_second();
  report::Table table{"cost",
                      "What N busy threads cost",
                      {"N", "switches/s", "involuntary", "CPU share", "work/s", "work per CPU-s",
                       "waited per turn", "first wake", "wake late p50", "p99"},
                      {},
                      ""};
  for (const auto& r : rows) {
    const auto& st = r.stats;
    const std::string involuntary =
        st.switches && *st.switches > 0
            ? format_percent(static_cast<double>(*st.involuntary_switches) / *st.switches)
            : kDash;
    table.rows.push_back(
        {static_cast<std::int64_t>(r.created), st.slices_per_second(), involuntary,
         // A share read at ticks can pass 100% by up to a tick: shown at most 100%.
         format_percent(std::min(st.cpu_share(), 1.0)), r.work_per_second(),
         base_work > 0 ? format_percent(r.work_per_cpu_second() / base_work) : kDash,
         ns_or_dash(st.mean_wait_per_turn_ns()),
         r.first_wake_ns ? format_ns(static_cast<double>(*r.first_wake_ns)) : kDash,
         r.lateness_ns.empty() ? kDash : format_ns(percentile(r.lateness_ns, 50)),
         r.lateness_ns.empty() ? kDash : format_ns(percentile(r.lateness_ns, 99))});
  }
  table.note = cost_note(rows, base, facts);
  ctx.report().add(std::move(table));
}

namespace {
void warn_about(LessonContext& ctx, const Row& r, int cpu) {
  if (r.error != 0) {
    ctx.warn(fmt::format("Thread creation stopped at {} of {}: {}", format_count(r.created),
                         format_count(r.requested), strerrorname_np(r.error)));
  } else if (r.created > 0 && !r.ready) {
    ctx.warn(fmt::format("{} threads did not all start in time; N={} was skipped", r.created,
                         r.requested));
  }
  if (r.probe_error != 0) {
    ctx.warn(
        fmt::format("At N={} the probe thread could not be created ({}): no wake-up "
                    "lateness for that N",
                    r.requested, error_name(r.probe_error)));
  }
  if (r.ready && r.stats.cpu_share() < kMinCpuShare) {
    ctx.warn(fmt::format(
        "At N={} the workers had only {} of CPU {}: other programs ran on it too, so the "
        "figures are those of a shared CPU",
        r.requested, format_percent(r.stats.cpu_share()), cpu));
  }
}
}  // namespace

void report_creation(LessonContext& ctx, const std::vector<Row>& rows, int cpu) {
  report::Table table{"creation",
                      "Creating them",
                      {"N requested", "created", "error", "had a turn", "did work",
                       "left after join", "stack reserved", "stack touched"},
                      {},
                      ""};
  for (const auto& r : rows) {
    table.rows.push_back(
        {static_cast<std::int64_t>(r.requested), static_cast<std::int64_t>(r.created),
         std::string(r.error != 0 ? strerrorname_np(r.error) : "none"),
         static_cast<std::int64_t>(r.stats.tasks_that_ran), static_cast<std::int64_t>(r.progressed),
         static_cast<std::int64_t>(r.left_behind),
         r.stack_reserved > 0 ? report::format_bytes(r.stack_reserved) : kDash,
         r.stack_reserved > 0 ? report::format_bytes(r.stack_touched) : kDash});
    warn_about(ctx, r, cpu);
  }
  table.note =
      "had a turn = schedstat shows time on the CPU in the window; did work = finished a work "
      "unit in it; left after join = tasks still in /proc/self/task after every thread was "
      "joined. Per thread, median over the threads: stack reserved = its stack and guard page "
      "(pthread_getattr_np), fixed when it was created; stack touched = the part of it in "
      "memory after the busy window (mincore). The growth of VmSize or VmRSS would not show "
      "this: glibc hands the stacks of joined threads to new ones.";
  ctx.report().add(std::move(table));
}

void report_chart(LessonContext& ctx, const std::vector<Row>& rows) {
  report::BarChart chart{
      "slice_and_lateness", "Mean turn and wake-up lateness against N", "ns", true, {}};
  for (const auto& r : rows) {
    const std::string n = fmt::format("N={}", format_count(r.created));
    if (const auto turn = r.mean_turn_ns()) {
      chart.bars.push_back({n + " mean turn", *turn, format_ns(*turn)});
      const double model = os::notes_model_slice_ns(r.created);
      chart.bars.push_back({n + " 10 ms ÷ N", model, format_ns(model) + " (notes)"});
    }
    if (r.first_wake_ns) {
      const auto first = static_cast<double>(*r.first_wake_ns);
      chart.bars.push_back({n + " first wake", first, format_ns(first)});
    }
    if (!r.lateness_ns.empty()) {
      const double p99 = percentile(r.lateness_ns, 99);
      chart.bars.push_back({n + " wake p99", p99, format_ns(p99)});
    }
  }
  ctx.report().add(std::move(chart));
}

void explain_meaning(LessonContext& ctx, const std::vector<Row>& rows, const RunFacts& facts) {
  const Row& big = rows.back();
  const Row& base = rows[facts.baseline];
  const auto turn = big.mean_turn_ns();
  if (!turn) {
    return;
  }
  const double base_work = base.work_per_cpu_second();
  const double round = os::round_ns(big.created, *turn);
  ctx.explain(
      "What it means",
      fmt::format(
          "With {} busy threads each one still ran about {} per turn, not 10 ms ÷ {} = {}: "
          "what grew with N is the wait between turns ({} measured, one round being about "
          "{}), not the share of the CPU lost to switching ({} switches a second, {} of the "
          "work per CPU-second of N={} kept). By the model N × turn (not measured), a "
          "thread-per-connection server with {} busy connections would answer each of them "
          "about once every {}.{}",
          format_count(big.created), format_ns(*turn), format_count(big.created),
          format_ns(os::notes_model_slice_ns(big.created)),
          ns_or_dash(big.stats.mean_wait_per_turn_ns()), format_ns(round),
          format_number(big.stats.slices_per_second()),
          base_work > 0 ? format_percent(big.work_per_cpu_second() / base_work) : kDash,
          base.created, format_count(big.created), format_ns(round),
          facts.info.autogroup
              ? " Not measured here: with autogroup on (as on this machine) the kernel first "
                "shares the CPU between sessions, so a shell in another session keeps its "
                "share whatever N is."
              : ""));
}

}  // namespace conc::lessons::c10k
