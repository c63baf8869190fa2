// C15's determinants: what this machine adds to a switch between two address spaces, read from
// the kernel (PTI, the TLB's address-space tags, IBPB), printed beside the measured extra cost
// so that the student sees the cause next to the figure.

#include <fmt/format.h>

#include "lessons/context_switch/parts.h"
#include "os/procfs/sysinfo.h"

namespace conc::lessons::context_switch {

using os::Partners;
using os::Transport;
using report::format_ns;
using report::Value;

namespace {

std::string pti_effect(os::PtiState pti) {
  switch (pti) {
    case os::PtiState::on:
      return "2 page-table sets per process";
    case os::PtiState::off:
    case os::PtiState::not_affected:
      return "one page-table set per process";
    case os::PtiState::unknown:
      break;
  }
  return "not known";
}

std::string tlb_effect(const os::TlbTagFlags& tags) {
  if (!tags.flags_seen) {
    return "not known (no cpuinfo flags)";
  }
  return tags.pcid ? "TLB keeps a few address spaces" : "TLB flushed on every switch";
}

std::string ibpb_effect(os::IbpbMode m) {
  switch (m) {
    case os::IbpbMode::always_on:
      return "branch predictor flushed";
    case os::IbpbMode::conditional:
      return "only for tasks that ask";
    case os::IbpbMode::disabled:
    case os::IbpbMode::absent:
      return "no predictor flush";
    case os::IbpbMode::unknown:
      break;
  }
  return "not known";
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

// One sentence from the machine's state: what a process switch pays here beyond a thread's.
std::string state_sentence(const os::SystemInfo& info) {
  const bool pcid = info.tlb_tags.pcid;
  std::string s = pcid ? "With PCID, the TLB tags its entries with an address-space ID: a switch "
                         "to another process changes the ID instead of flushing, until more "
                         "address spaces rotate on this CPU than the kernel keeps IDs for."
                       : "Without PCID (or with it hidden from this guest), loading another "
                         "process's page-table root flushes the TLB: the next process refills "
                         "it one page walk at a time.";
  if (info.pti == os::PtiState::on) {
    s += pcid ? " PTI is on: each process has a kernel and a user page-table set, each with its "
                "own ID."
              : " PTI is on: every system call and interrupt also switches page tables, for "
                "threads and processes alike, so it adds to both rows and not to the difference.";
  }
  if (info.spectre_v2.ibpb == os::IbpbMode::always_on) {
    s += " IBPB is always on: every switch to another process also flushes the branch "
         "predictor, and the next process starts with cold branch history.";
  }
  return s;
}

}  // namespace

void add_process_switch_determinants(LessonContext& ctx, const SwitchCosts& costs) {
  const os::SystemInfo& info = ctx.system_info();
  report::Table t{"process_switch_determinants",
                  "Why a process switch costs more here (C15)",
                  {"what", "here", "what it does to a process switch"},
                  {},
                  ""};
  for (auto tr : {Transport::futex, Transport::pipe}) {
    const double extra =
        costs.per_switch(tr, Partners::processes) - costs.per_switch(tr, Partners::threads);
    t.rows.push_back({fmt::format("measured extra, {}", os::to_string(tr)), format_ns(extra),
                      std::string("process − thread, per switch")});
  }
  t.rows.push_back({std::string("PTI (Meltdown)"), to_string(info.pti), pti_effect(info.pti)});
  t.rows.push_back({std::string("pcid / invpcid flags"),
                    info.tlb_tags.flags_seen ? fmt::format("{} / {}", yes_no(info.tlb_tags.pcid),
                                                           yes_no(info.tlb_tags.invpcid))
                                             : std::string("unknown"),
                    tlb_effect(info.tlb_tags)});
  t.rows.push_back({std::string("IBPB (spectre_v2)"), to_string(info.spectre_v2.ibpb),
                    ibpb_effect(info.spectre_v2.ibpb)});
  t.note = fmt::format(
      "Read from /sys/devices/system/cpu/vulnerabilities/meltdown and spectre_v2 ({}) and the "
      "flags of /proc/cpuinfo. {}",
      info.spectre_v2.mode.empty() ? std::string("unreadable") : info.spectre_v2.mode,
      state_sentence(info));
  ctx.report().add(std::move(t));
}

}  // namespace conc::lessons::context_switch
