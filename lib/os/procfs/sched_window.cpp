#include "os/procfs/sched_window.h"

#include <cmath>
#include <string>
#include <unordered_map>

namespace conc::os {

namespace {
std::optional<std::int64_t> whole(const std::map<std::string, std::string>& fields,
                                  const std::string& key) {
  auto v = sched_number(fields, key);
  return v ? std::optional<std::int64_t>(static_cast<std::int64_t>(std::llround(*v)))
           : std::nullopt;
}

std::optional<std::int64_t> difference(const std::optional<std::int64_t>& a,
                                       const std::optional<std::int64_t>& b) {
  return a && b ? std::optional<std::int64_t>(*b - *a) : std::nullopt;
}
}  // namespace

TaskSched parse_task_sched(std::string_view text) {
  const auto fields = parse_sched(text);
  TaskSched s;
  s.nr_switches = whole(fields, "nr_switches");
  s.nr_voluntary_switches = whole(fields, "nr_voluntary_switches");
  s.nr_involuntary_switches = whole(fields, "nr_involuntary_switches");
  if (auto ms = sched_number(fields, "se.sum_exec_runtime")) {
    s.sum_exec_runtime_ns = static_cast<std::int64_t>(std::llround(*ms * 1e6));
  }
  s.slice_ns = whole(fields, "se.slice");
  return s;
}

std::optional<double> TaskDelta::mean_slice_ns() const {
  return slices > 0 ? std::optional<double>(static_cast<double>(run_ns) / slices) : std::nullopt;
}

std::optional<double> WindowStats::mean_slice_ns() const {
  return slices > 0 ? std::optional<double>(static_cast<double>(run_ns) / slices) : std::nullopt;
}

std::optional<double> WindowStats::mean_wait_per_turn_ns() const {
  return slices > 0 ? std::optional<double>(static_cast<double>(wait_ns) / slices) : std::nullopt;
}

namespace {
// Σ over the tasks of amount(t) ÷ t.interval_ns × scale: each task's rate over its own
// interval (a task without one adds nothing).
template <typename Amount>
double summed_rate(const std::vector<TaskDelta>& tasks, Amount amount, double scale) {
  double rate = 0;
  for (const auto& t : tasks) {
    if (t.interval_ns > 0) {
      rate += static_cast<double>(amount(t)) / static_cast<double>(t.interval_ns) * scale;
    }
  }
  return rate;
}
}  // namespace

double WindowStats::slices_per_second() const {
  return summed_rate(
      tasks, [](const TaskDelta& t) { return t.slices; }, 1e9);
}

double WindowStats::cpu_share() const {
  return summed_rate(
      tasks, [](const TaskDelta& t) { return t.run_ns; }, 1);
}

double WindowStats::work_per_second() const {
  return summed_rate(
      tasks, [](const TaskDelta& t) { return static_cast<std::int64_t>(t.work); }, 1e9);
}

std::optional<double> WindowStats::work_per_cpu_second() const {
  return run_ns > 0
             ? std::optional<double>(static_cast<double>(work) * 1e9 / static_cast<double>(run_ns))
             : std::nullopt;
}

WindowStats summarize_window(const TaskSnapshot& before, const TaskSnapshot& after) {
  WindowStats w;
  w.window_ns = after.mid_ns() - before.mid_ns();
  std::unordered_map<pid_t, const TaskSample*> later;
  for (const auto& t : after.tasks) {
    if (t.stat) {
      later.emplace(t.tid, &t);
    }
  }
  bool all_sched = true;
  std::int64_t switches = 0, involuntary = 0;
  int matched = 0;
  for (const auto& b : before.tasks) {
    auto it = later.find(b.tid);
    if (!b.stat || it == later.end()) {
      continue;
    }
    ++matched;
    const TaskSample& a = *it->second;
    TaskDelta d;
    d.tid = b.tid;
    d.interval_ns = a.t_ns > 0 && b.t_ns > 0 ? a.t_ns - b.t_ns : w.window_ns;
    d.run_ns = a.stat->run_ns - b.stat->run_ns;
    d.wait_ns = a.stat->wait_ns - b.stat->wait_ns;
    d.slices = a.stat->slices - b.stat->slices;
    d.work = a.work - b.work;
    if (b.sched && a.sched) {
      d.switches = difference(b.sched->nr_switches, a.sched->nr_switches);
      d.involuntary_switches =
          difference(b.sched->nr_involuntary_switches, a.sched->nr_involuntary_switches);
    }
    all_sched = all_sched && d.switches && d.involuntary_switches;
    switches += d.switches.value_or(0);
    involuntary += d.involuntary_switches.value_or(0);
    w.run_ns += d.run_ns;
    w.wait_ns += d.wait_ns;
    w.slices += d.slices;
    w.work += d.work;
    w.tasks_that_ran += d.run_ns > 0 ? 1 : 0;
    w.tasks.push_back(d);
  }
  const int present = static_cast<int>(before.tasks.size() + after.tasks.size());
  w.tasks_missing = present - 2 * matched;
  w.tasks_unread = before.unread + after.unread;
  if (all_sched && !w.tasks.empty()) {
    w.switches = switches;
    w.involuntary_switches = involuntary;
  }
  return w;
}

}  // namespace conc::os
