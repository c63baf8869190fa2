// Lesson `context-switch`, C17: what forced switches take from a busy loop on the same CPU
// (the experiment is os/switch_pressure.h; this file runs it round-major and reports it).

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "lessons/context_switch/context_switch.h"
#include "lessons/context_switch/parts.h"
#include "os/workloads/switch_pressure.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

namespace {

using namespace std::chrono_literals;
using report::format_ns;
using report::format_number;
using report::format_percent;
using report::median;

// How long the busy loop runs per sample, and the paced rates (the third setting is "as fast
// as the pair can").
constexpr auto kPressureWindow = 80ms;
constexpr auto kQuickPressureWindow = 40ms;
constexpr std::array<double, 2> kPacedRates = {1'000, 10'000};
const std::string kNone = "—";

struct PressureRow {
  std::string key, label;
  os::SwitchPressure pressure;
  std::vector<os::BusyLoopSample> samples;  // one per round
  // Per round, against the loop alone in the same round: 1 − work with ÷ work alone, and
  // 1 − the loop's CPU share with ÷ the same alone.
  std::vector<double> work_lost, cpu_lost;

  bool alone() const { return pressure.kind == os::SwitchPressure::Kind::none; }
  std::vector<double> column(double os::BusyLoopSample::*field) const {
    std::vector<double> v;
    for (const auto& s : samples) {
      v.push_back(s.*field);
    }
    return v;
  }
};

std::vector<PressureRow> pressure_settings() {
  std::vector<PressureRow> rows;
  rows.push_back({"alone", "loop alone", {}, {}, {}, {}});
  for (double rate : kPacedRates) {
    rows.push_back({fmt::format("{}k", static_cast<int>(rate / 1000)),
                    fmt::format("paced {}/s", format_number(rate)),
                    {os::SwitchPressure::Kind::paced, rate},
                    {},
                    {},
                    {}});
  }
  rows.push_back({"max", "free ping-pong", {os::SwitchPressure::Kind::continuous, 0}, {}, {}, {}});
  return rows;
}

// Round-major, alternating the order, so that a drift of the machine hits every setting alike;
// then each row's losses against the loop alone of the same round.
void run_rounds(std::vector<PressureRow>& rows, int cpu, std::chrono::milliseconds window,
                int rounds) {
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      LessonContext::check_interrupted();
      PressureRow& row = rows[r % 2 == 0 ? i : rows.size() - 1 - i];
      row.samples.push_back(os::run_busy_loop(cpu, window, row.pressure));
    }
  }
  const auto& alone = rows.front().samples;
  for (auto& row : rows) {
    for (std::size_t r = 0; r < row.samples.size(); ++r) {
      const auto& s = row.samples[r];
      row.work_lost.push_back(1 - s.iterations_per_s / alone[r].iterations_per_s);
      row.cpu_lost.push_back(
          alone[r].loop_cpu_share > 0 ? 1 - s.loop_cpu_share / alone[r].loop_cpu_share : 0);
    }
  }
}

void explain_pressure(LessonContext& ctx, std::chrono::milliseconds window, int rounds) {
  const os::PacingPlan low = os::plan_pacing(kPacedRates.front());
  const os::PacingPlan high = os::plan_pacing(kPacedRates.back());
  ctx.explain(
      "C17: what switching takes from a busy loop",
      fmt::format(
          "A busy loop summing a 32 KiB array runs pinned to CPU {} for {} ms and counts its "
          "work. Then the same loop, while a pair of threads pinned to the same CPU forces "
          "switches: a pacer wakes on a timer and plays round trips with its partner "
          "({} wake-ups/s × {} round trip for {}/s; {} × {} for {}/s), or the pair "
          "ping-pongs without pause. The pair does nothing but switch, so whatever the loop "
          "loses went to switching (and to the system calls that trigger it). Each setting "
          "runs {} times, alternating with the loop alone; the loss is 1 − work with ÷ "
          "work alone, in the same round. The switches are counted, not assumed.",
          ctx.cpu(), window.count(), format_number(low.periods_per_s), low.round_trips,
          format_number(kPacedRates.front()), format_number(high.periods_per_s), high.round_trips,
          format_number(kPacedRates.back()), rounds));
}

// CPU lost per forced switch, or why there is none: a loss smaller than its own spread from
// round to round is noise, and dividing noise by a switch rate would print a cost that was
// never measured.
std::string cpu_lost_per_switch(const report::Stats& cpu_lost, double forced_per_s) {
  const double spread = (cpu_lost.p90 - cpu_lost.p10) / 2;
  if (std::abs(cpu_lost.median) <= spread) {
    return kNone + " (within noise)";
  }
  if (forced_per_s <= 0 || cpu_lost.median <= 0) {
    return kNone;
  }
  return format_ns(cpu_lost.median * 1e9 / forced_per_s);
}

std::vector<report::Value> table_row(const PressureRow& row, double background) {
  std::vector<double> per_ns;
  for (double x : row.column(&os::BusyLoopSample::iterations_per_s)) {
    per_ns.push_back(x / 1e9);
  }
  const double switches = median(row.column(&os::BusyLoopSample::switches_per_s));
  const double cpu_share = median(row.column(&os::BusyLoopSample::loop_cpu_share));
  if (row.alone()) {
    return {row.label,
            format_number(switches),
            format_number(median(per_ns)),
            kNone,
            kNone,
            format_percent(cpu_share),
            kNone,
            kNone,
            kNone};
  }
  const auto work = report::summarize(row.work_lost);
  const auto cpu = report::summarize(row.cpu_lost);
  return {row.label,
          format_number(switches),
          format_number(median(per_ns)),
          format_percent(work.median),
          plus_minus_points(work),
          format_percent(cpu_share),
          format_percent(cpu.median),
          plus_minus_points(cpu),
          cpu_lost_per_switch(cpu, switches - background)};
}

void record_measurements(LessonContext& ctx, const std::vector<PressureRow>& rows,
                         std::chrono::milliseconds window, double alone_cpu) {
  std::vector<double> per_ns;
  for (double x : rows.front().column(&os::BusyLoopSample::iterations_per_s)) {
    per_ns.push_back(x / 1e9);
  }
  ctx.measure("busy_loop_alone_per_ns", "busy loop alone: words summed per ns", "1/ns", per_ns,
              fmt::format("a 32 KiB array summed over and over on CPU {}, {} ms per sample",
                          ctx.cpu(), window.count()));
  for (const auto& row : rows) {
    if (row.alone()) {
      continue;
    }
    std::vector<double> percent;
    for (double l : row.work_lost) {
      percent.push_back(l * 100);
    }
    auto& m = ctx.measure("busy_loop_loss_" + row.key + "_percent", "work lost, " + row.label, "%",
                          percent, "1 − loop work with the pair ÷ loop work alone, same round");
    if (alone_cpu < kC17MinAloneCpuShare) {
      m.trusted = false;
      m.caveat = fmt::format("even alone, the loop got only {} of CPU {}: other tasks ran there",
                             format_percent(alone_cpu), ctx.cpu());
    }
  }
}

void add_table(LessonContext& ctx, const std::vector<PressureRow>& rows,
               std::chrono::milliseconds window, double background) {
  report::Table t{"switch_pressure",
                  fmt::format("Busy loop on CPU {} under forced switches ({} rounds of {} ms)",
                              ctx.cpu(), rows.front().samples.size(), window.count()),
                  {"setting", "switches/s", "loop work/ns", "work lost", "±", "loop CPU",
                   "CPU lost", "±", "CPU lost/switch"},
                  {},
                  ""};
  for (const auto& row : rows) {
    t.rows.push_back(table_row(row, background));
  }
  t.note = fmt::format(
      "switches/s: every switch (voluntary or involuntary) counted by every task of the "
      "experiment (getrusage), per second of the loop's window; 'forced' = minus the {} "
      "counted with the loop alone (other tasks preempting it). Work lost = 1 − loop work "
      "with ÷ loop work alone, same round. Loop CPU: the loop's CPU time ÷ window; CPU lost = "
      "1 − that ÷ the same alone, same round. ±: half the p10–p90 range over the rounds, in "
      "percentage points. CPU lost/switch = CPU lost × 1 s ÷ forced switches/s, shown only "
      "where the CPU lost is larger than its ±: '— (within noise)' means this run could not "
      "tell that loss from zero. A negative loss (here or at p10) is the loop doing more "
      "work beside the switches than alone in that round: other tasks took more of the CPU "
      "in the loop's lone window, not a gain from switching.",
      format_number(background));
  ctx.report().add(std::move(t));
}

}  // namespace

PressureOutcome measure_switch_pressure(LessonContext& ctx) {
  const auto window = ctx.size(kPressureWindow, kQuickPressureWindow);
  const int rounds = ctx.repeats(5, 3);
  std::vector<PressureRow> rows = pressure_settings();
  explain_pressure(ctx, window, rounds);  // first: --step shows it while the loop runs
  run_rounds(rows, ctx.cpu(), window, rounds);

  const PressureRow& alone = rows.front();
  const double background = median(alone.column(&os::BusyLoopSample::switches_per_s));
  const double alone_cpu = median(alone.column(&os::BusyLoopSample::loop_cpu_share));
  record_measurements(ctx, rows, window, alone_cpu);
  add_table(ctx, rows, window, background);
  if (alone_cpu < kC17MinAloneCpuShare) {
    ctx.warn(fmt::format(
        "C17: the busy loop got only {} of CPU {} when it ran alone: other tasks competed for "
        "that CPU, so its losses are not the switches' alone (a quieter CPU: --cpu N)",
        format_percent(alone_cpu), ctx.cpu()));
  }
  // The highest paced rate: the row before the free ping-pong.
  const PressureRow& paced = rows[rows.size() - 2];
  const auto cpu = report::summarize(paced.cpu_lost);
  std::vector<double> indirect;
  for (std::size_t r = 0; r < paced.samples.size(); ++r) {
    const auto& s = paced.samples[r];
    const auto& a = alone.samples[r];
    if (s.loop_cpu_share > 0 && a.loop_cpu_share > 0 && a.iterations_per_s > 0) {
      indirect.push_back(1 - (s.iterations_per_s / s.loop_cpu_share) /
                                 (a.iterations_per_s / a.loop_cpu_share));
    }
  }
  PressureOutcome outcome;
  outcome.paced = {median(paced.column(&os::BusyLoopSample::switches_per_s)) - background,
                   cpu.median, (cpu.p90 - cpu.p10) / 2, indirect.empty() ? 0 : median(indirect),
                   alone_cpu};
  return outcome;
}

}  // namespace conc::lessons::context_switch
