// The lat_ctx ring: per-switch cost against the number of tasks rotating through one CPU and
// the working set each touches, threads against processes. The workload is os::run_ring; this
// file orchestrates it and fills the report.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <utility>
#include <vector>

#include "lessons/context_switch/parts.h"
#include "os/procfs/sysinfo.h"
#include "os/workloads/switch_ring.h"

namespace conc::lessons::context_switch {

using os::Partners;
using report::format_ns;
using report::median;

namespace {

constexpr std::array<int, 4> kRingMembers = {2, 4, 8, 16};
constexpr int kFullRingMembers = 32;  // --full adds a ring of this many
constexpr int kRingRepetitions = 3, kFullRingRepetitions = 7;
constexpr std::array<std::size_t, 3> kRingWorkingSetsKiB = {16, 64, 256};
constexpr long kRingHops = 600;  // timed hops per repetition (--quick: kQuickRingHops)
constexpr long kQuickRingHops = 200;
constexpr long kRingWarmupHops = 100;

struct RingCell {
  double median_ns = 0;
  double half_spread_ns = 0;  // half the p10-p90 range
  bool on_cpu = true;
};

// cells[partners][index in the member counts][working set]
using RingGrid = std::array<std::vector<std::array<RingCell, kRingWorkingSetsKiB.size()>>, 2>;

RingCell run_cell(int cpu, int members, Partners partners, std::size_t ws_kib, long hops, int reps,
                  double overhead_ns) {
  os::RingConfig c;
  c.members = members;
  c.partners = partners;
  c.cpu = cpu;
  c.working_set_bytes = ws_kib * 1024;
  c.laps = std::max(1L, hops / members);
  c.warmup_laps = std::max(1L, kRingWarmupHops / members);
  c.repetitions = reps;
  const os::RingResult r = os::run_ring(c);
  std::vector<double> per_switch;
  for (double hop : r.hop_ns) {
    per_switch.push_back(hop - overhead_ns);
  }
  const report::Stats s = report::summarize(per_switch);
  return {s.median, (s.p90 - s.p10) / 2, r.on_cpu};
}

std::string cell_text(const RingCell& c) {
  return fmt::format("{:.1f}±{:.1f}{}", c.median_ns / 1000, c.half_spread_ns / 1000,
                     c.on_cpu ? "" : "*");
}

void add_ring_table(LessonContext& ctx, const std::vector<int>& members, const RingGrid& grid,
                    const std::vector<double>& overheads, int reps, long hops) {
  std::vector<std::string> columns = {"ring"};
  for (auto ws : kRingWorkingSetsKiB) {
    columns.push_back(fmt::format("{}K thr", ws));
    columns.push_back(fmt::format("{}K proc", ws));
  }
  report::Table t{
      "switch_ring",
      fmt::format("Ring of tasks on CPU {}: µs per switch (median ± half p10-p90)", ctx.cpu()),
      columns,
      {},
      ""};
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::vector<report::Value> row = {fmt::format("{} tasks", members[m])};
    for (std::size_t w = 0; w < kRingWorkingSetsKiB.size(); ++w) {
      row.emplace_back(cell_text(grid[0][m][w]));
      row.emplace_back(cell_text(grid[1][m][w]));
    }
    t.rows.push_back(std::move(row));
  }
  std::string subtracted;
  for (std::size_t w = 0; w < kRingWorkingSetsKiB.size(); ++w) {
    subtracted += fmt::format("{}{} KiB {}", w == 0 ? "" : ", ", kRingWorkingSetsKiB[w],
                              format_ns(overheads[w]));
  }
  t.note = fmt::format(
      "thr: a ring of threads of one process; proc: of processes. Each hop = one switch + a "
      "pipe write and read + reading every word of the task's own working set (16K = 16 "
      "KiB). Subtracted, as lmbench's lat_ctx does: the same hop by one task with no switch "
      "({}); a figure below zero means the switch cost less than that subtraction's own error. "
      "{} repetitions of {} hops "
      "after a warm-up. *: a task was not on CPU {}: the figure is untrusted, and the "
      "step below is not judged from it.",
      subtracted, reps, hops, ctx.cpu());
  ctx.report().add(std::move(t));
}

RingStep step_of(const std::vector<int>& members, const RingGrid& grid, bool pcid) {
  const std::size_t few = 0, many = members.size() - 1;
  const RingCell& pf = grid[1][few][0];
  const RingCell& pm = grid[1][many][0];
  const RingCell& tf = grid[0][few][0];
  const RingCell& tm = grid[0][many][0];
  const double noise =
      std::max({pf.half_spread_ns, pm.half_spread_ns, tf.half_spread_ns, tm.half_spread_ns});
  RingStep step{members[few], members[many], pf.median_ns,
                pm.median_ns, tf.median_ns,  tm.median_ns,
                noise,        pcid,          {}};
  const std::pair<const RingCell*, std::string> cells[] = {
      {&pf, fmt::format("{} processes", members[few])},
      {&pm, fmt::format("{} processes", members[many])},
      {&tf, fmt::format("{} threads", members[few])},
      {&tm, fmt::format("{} threads", members[many])}};
  for (const auto& [cell, name] : cells) {
    if (!cell->on_cpu) {
      step.off_cpu.push_back(fmt::format("{}, {}K", name, kRingWorkingSetsKiB[0]));
    }
  }
  return step;
}

}  // namespace

void measure_switch_ring(LessonContext& ctx, bool full) {
  const int reps = ctx.repeats(full ? kFullRingRepetitions : kRingRepetitions, kRingRepetitions);
  const long hops = ctx.size(kRingHops, kQuickRingHops);
  std::vector<int> members(kRingMembers.begin(), kRingMembers.end());
  if (full) {
    members.push_back(kFullRingMembers);
  }
  ctx.progress(fmt::format("timing rings of {}-{} threads and processes on one CPU",
                           members.front(), members.back()));
  std::vector<double> overheads;
  overheads.reserve(kRingWorkingSetsKiB.size());
  for (auto ws : kRingWorkingSetsKiB) {
    overheads.push_back(median(os::ring_overhead_ns(ctx.cpu(), ws * 1024, hops, reps)));
  }
  RingGrid grid{};
  for (auto& by_members : grid) {
    by_members.resize(members.size());
  }
  for (std::size_t m = 0; m < members.size(); ++m) {
    for (std::size_t w = 0; w < kRingWorkingSetsKiB.size(); ++w) {
      for (int p = 0; p < 2; ++p) {
        LessonContext::check_interrupted();
        grid[static_cast<std::size_t>(p)][m][w] =
            run_cell(ctx.cpu(), members[m], p == 0 ? Partners::threads : Partners::processes,
                     kRingWorkingSetsKiB[w], hops, reps, overheads[w]);
      }
    }
  }
  ctx.explain(
      "Why processes switch slower: a ring of address spaces (C15)",
      fmt::format(
          "lmbench's lat_ctx: {} tasks pinned to one CPU pass a token round a ring of pipes, "
          "and each touches its own working set when the token arrives, as a program would. "
          "With more tasks, each finds less of its data, and of its TLB entries, left in the "
          "caches. Threads share one address space; processes bring one each, and on x86 the "
          "kernel keeps only a few address-space IDs (PCIDs) per CPU. {}",
          fmt::join(members, ", "),
          ring_step_sentence(step_of(members, grid, ctx.system_info().tlb_tags.pcid))));
  add_ring_table(ctx, members, grid, overheads, reps, hops);
}

}  // namespace conc::lessons::context_switch
