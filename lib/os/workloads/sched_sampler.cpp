#include "os/workloads/sched_sampler.h"

#include "os/procfs/proc_read.h"
#include "os/procfs/text_file.h"
#include "os/sys/clock.h"
#include "os/sys/interrupt.h"

namespace conc::os {

TaskSnapshot snapshot_tasks(pid_t pid, const std::vector<pid_t>& tids, bool with_sched,
                            const WorkCounter& work) {
  TaskSnapshot snap;
  snap.tasks.reserve(tids.size());
  snap.begin_ns = monotonic_ns();
  const std::string base = "/proc/" + std::to_string(pid) + "/task/";
  for (std::size_t i = 0; i < tids.size(); ++i) {
    if (i % 64 == 63) {
      throw_if_interrupted();  // a thousand tasks take milliseconds, more when the CPU is shared
    }
    const pid_t tid = tids[i];
    TaskSample s;
    s.tid = tid;
    s.stat = read_schedstat(pid, tid);
    if (with_sched) {
      if (auto text = read_text_file(base + std::to_string(tid) + "/sched")) {
        s.sched = parse_task_sched(*text);
      }
    }
    if (work) {
      s.work = work(i);
    }
    s.t_ns = monotonic_ns();
    snap.tasks.push_back(s);
  }
  snap.end_ns = monotonic_ns();
  return snap;
}

}  // namespace conc::os
