// Lesson `context-switch`, C17: what forced switches take from a busy loop on the same CPU
// (the experiment is os/switch_pressure.h; this file runs it round-major and reports it).

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "lessons/context_switch.h"
#include "lessons/context_switch_parts.h"
#include "os/switch_pressure.h"
#include "report/stats.h"
#include "report/units.h"

namespace conc::lessons::context_switch {

namespace {

using namespace std::chrono_literals;
using report::format_ns;
using report::format_number;
using report::format_percent;

// How long the busy loop runs per sample, and the paced rates (the third setting is "as fast
// as the pair can").
constexpr auto kPressureWindow = 80ms;
constexpr auto kQuickPressureWindow = 40ms;
constexpr std::array<double, 2> kPacedRates = {1'000, 10'000};

struct PressureRow {
  std::string key, label;
  os::SwitchPressure pressure;
  std::vector<os::BusyLoopSample> samples;
  std::vector<double> loss;  // per round, against the loop alone in the same round
};

}  // namespace

PressureOutcome measure_switch_pressure(LessonContext& ctx) {
  const auto window = ctx.size(kPressureWindow, kQuickPressureWindow);
  const int rounds = ctx.repeats(5, 3);
  std::vector<PressureRow> rows;
  PressureOutcome outcome;
  rows.push_back({"alone", "loop alone", {}, {}, {}});
  for (double rate : kPacedRates) {
    os::SwitchPressure p{os::SwitchPressure::Kind::paced, rate};
    rows.push_back({fmt::format("{}k", static_cast<int>(rate / 1000)),
                    fmt::format("paced {}/s", format_number(rate)),
                    p,
                    {},
                    {}});
  }
  rows.push_back({"max", "free ping-pong", {os::SwitchPressure::Kind::continuous, 0}, {}, {}});
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      LessonContext::check_interrupted();
      PressureRow& row = rows[r % 2 == 0 ? i : rows.size() - 1 - i];
      row.samples.push_back(os::run_busy_loop(ctx.cpu(), window, row.pressure));
    }
  }
  const auto& alone = rows.front().samples;
  for (auto& row : rows) {
    for (std::size_t r = 0; r < row.samples.size(); ++r) {
      row.loss.push_back(1 - row.samples[r].iterations_per_s / alone[r].iterations_per_s);
    }
  }

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

  auto column = [](const std::vector<os::BusyLoopSample>& samples, auto field) {
    std::vector<double> v;
    for (const auto& x : samples) {
      v.push_back(x.*field);
    }
    return v;
  };
  const double background = median(column(alone, &os::BusyLoopSample::switches_per_s));
  const double alone_cpu = median(column(alone, &os::BusyLoopSample::loop_cpu_share));
  report::Table t{"switch_pressure",
                  fmt::format("Busy loop on CPU {} under forced switches ({} rounds of {} ms)",
                              ctx.cpu(), rounds, window.count()),
                  {"setting", "switches/s", "loop work/ns", "work lost", "±", "loop CPU",
                   "CPU lost", "CPU lost/switch"},
                  {},
                  ""};
  const std::string none = "—";
  for (const auto& row : rows) {
    std::vector<double> per_ns;
    for (double x : column(row.samples, &os::BusyLoopSample::iterations_per_s)) {
      per_ns.push_back(x / 1e9);
    }
    const double switches = median(column(row.samples, &os::BusyLoopSample::switches_per_s));
    const double cpu_share = median(column(row.samples, &os::BusyLoopSample::loop_cpu_share));
    const auto loss = report::summarize(row.loss);
    const double forced = switches - background;
    const double cpu_lost = alone_cpu > 0 ? 1 - cpu_share / alone_cpu : 0;
    const bool is_alone = row.key == "alone";
    t.rows.push_back(
        {row.label, format_number(switches), format_number(median(per_ns)),
         is_alone ? none : format_percent(loss.median), is_alone ? none : plus_minus_points(loss),
         format_percent(cpu_share), is_alone ? none : format_percent(cpu_lost),
         !is_alone && forced > 0 && cpu_lost > 0 ? format_ns(cpu_lost * 1e9 / forced) : none});
    if (is_alone) {
      ctx.measure("busy_loop_alone_per_ns", "busy loop alone: words summed per ns", "1/ns", per_ns,
                  fmt::format("a 32 KiB array summed over and over on CPU {}, {} ms per sample",
                              ctx.cpu(), window.count()));
    } else {
      std::vector<double> percent;
      for (double l : row.loss) {
        percent.push_back(l * 100);
      }
      auto& m =
          ctx.measure("busy_loop_loss_" + row.key + "_percent", "work lost, " + row.label, "%",
                      percent, "1 − loop work with the pair ÷ loop work alone, same round");
      if (alone_cpu < kC17MinAloneCpuShare) {
        m.trusted = false;
        m.caveat = fmt::format("even alone, the loop got only {} of CPU {}: other tasks ran there",
                               format_percent(alone_cpu), ctx.cpu());
      }
    }
    if (row.key == "max") {
      outcome.lost_share_at_max = loss.median;
      outcome.forced_switches_at_max = forced;
    }
  }
  t.note = fmt::format(
      "switches/s: counted by every task of the experiment (getrusage) per second of the "
      "loop's window; 'forced' = minus the {} counted with the loop alone (other tasks "
      "preempting it). Work lost = 1 − loop work with ÷ loop work alone, same round (± half "
      "its p10–p90, in percentage points). Loop CPU: the loop's CPU time ÷ window; CPU lost = 1 − "
      "that ÷ the same "
      "alone; CPU lost/switch = CPU lost × 1 s ÷ forced switches/s. At a few thousand "
      "switches a second the loss hides in the noise of the work rate while the CPU time "
      "still shows it; it takes a pair switching as fast as it can to take a large share.",
      format_number(background));
  ctx.report().add(std::move(t));
  outcome.alone_cpu_share = alone_cpu;
  if (alone_cpu < kC17MinAloneCpuShare) {
    ctx.warn(fmt::format(
        "C17: the busy loop got only {} of CPU {} when it ran alone: other tasks competed for "
        "that CPU, so its losses are not the switches' alone (a quieter CPU: --cpu N)",
        format_percent(alone_cpu), ctx.cpu()));
  }
  return outcome;
}

}  // namespace conc::lessons::context_switch
