#include "lessons/common/cpu_trace.h"

#include <algorithm>
#include <map>
#include <set>

namespace conc::lessons {

char cpu_mark(int cpu) {
  if (cpu >= 0 && cpu < 10) {
    return static_cast<char>('0' + cpu);
  }
  if (cpu >= 10 && cpu < 36) {
    return static_cast<char>('a' + (cpu - 10));
  }
  return '*';
}

std::vector<std::string> timeline_rows(const std::vector<TaskTrace>& traces, std::int64_t t0_ns,
                                       std::int64_t bucket_ns, int columns) {
  std::vector<std::string> rows;
  if (bucket_ns <= 0 || columns <= 0) {
    return rows;
  }
  for (const auto& trace : traces) {
    // counts[column][cpu]
    std::vector<std::map<int, int>> seen(static_cast<std::size_t>(columns));
    for (const auto& s : trace.samples) {
      const std::int64_t col = (s.t_ns - t0_ns) / bucket_ns;
      if (s.t_ns >= t0_ns && col < columns) {
        ++seen[static_cast<std::size_t>(col)][s.cpu];
      }
    }
    std::string row;  // UTF-8: '·' is two bytes but one column
    for (int c = 0; c < columns; ++c) {
      const std::int64_t begin = t0_ns + c * bucket_ns;
      const std::int64_t end = begin + bucket_ns;
      const auto& counts = seen[static_cast<std::size_t>(c)];
      if (!counts.empty()) {
        const auto best = std::max_element(counts.begin(), counts.end(),
                                           [](auto& a, auto& b) { return a.second < b.second; });
        row += cpu_mark(best->first);
      } else if (end > trace.start_ns && begin < trace.end_ns) {
        row += "·";
      } else {
        row += ' ';
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

TraceFacts analyse_traces(const std::vector<TaskTrace>& traces, std::int64_t bucket_ns) {
  TraceFacts f;
  struct Tagged {
    std::int64_t t;
    int task;
    int cpu;
  };
  std::vector<Tagged> all;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    for (const auto& s : traces[i].samples) {
      all.push_back({s.t_ns, static_cast<int>(i), s.cpu});
    }
  }
  if (all.empty()) {
    return f;
  }
  std::sort(all.begin(), all.end(), [](const Tagged& a, const Tagged& b) { return a.t < b.t; });
  std::set<int> cpus;
  for (std::size_t i = 0; i < all.size(); ++i) {
    cpus.insert(all[i].cpu);
    if (i > 0 && all[i].task != all[i - 1].task) {
      ++f.handovers;
    }
  }
  f.cpus_used = static_cast<int>(cpus.size());
  if (bucket_ns > 0) {
    // bucket -> (task, cpu) pairs seen in it. Parallel = two different tasks on two different
    // CPUs in one bucket; one task migrating within a bucket does not count.
    std::map<std::int64_t, std::set<std::pair<int, int>>> buckets;
    for (const auto& s : all) {
      buckets[(s.t - all.front().t) / bucket_ns].insert({s.task, s.cpu});
    }
    const auto both = std::count_if(buckets.begin(), buckets.end(), [](const auto& b) {
      for (const auto& x : b.second) {
        for (const auto& y : b.second) {
          if (x.first != y.first && x.second != y.second) {
            return true;
          }
        }
      }
      return false;
    });
    f.parallel_share = static_cast<double>(both) / static_cast<double>(buckets.size());
  }
  return f;
}

}  // namespace conc::lessons
