#pragma once
// What makes a switch between two address spaces dearer on this CPU, read from the kernel's
// own words: the Meltdown line (is kernel page-table isolation on?), the spectre_v2 line
// (is the branch predictor flushed, IBPB, when another process is switched in?) and the cpuinfo
// flags pcid/invpcid (can the TLB keep entries of several address spaces apart?). Pure parsers:
// text in, values out; an unknown or empty text gives `unknown`, never an error.

#include <string>
#include <string_view>

namespace conc::os {

// Kernel page-table isolation (PTI, the Meltdown mitigation): when on, every system call and
// interrupt switches page tables on the way in and out.
enum class PtiState { on, off, not_affected, unknown };
// The first line of /sys/devices/system/cpu/vulnerabilities/meltdown: "Mitigation: PTI" is on,
// "Not affected" needs none, "Vulnerable" runs without it.
PtiState parse_meltdown(std::string_view line);
std::string to_string(PtiState s);

// The cpuinfo flags that let the TLB tag entries with an address-space ID (x86's PCID): with
// them a process switch need not flush the TLB; invpcid lets the kernel drop one ID's entries.
struct TlbTagFlags {
  bool pcid = false;
  bool invpcid = false;
  bool flags_seen = false;  // a "flags" line was found (false: not x86, or no cpuinfo)
};
TlbTagFlags parse_tlb_tag_flags(std::string_view cpuinfo);

// Indirect Branch Prediction Barrier on a switch to another process: "always-on" pays it on
// every such switch, "conditional" only for tasks that asked (prctl, seccomp), "disabled" never;
// `absent` when the line names no IBPB (the CPU, or the hypervisor, does not offer it).
enum class IbpbMode { always_on, conditional, disabled, absent, unknown };
struct SpectreV2 {
  std::string mode;  // the first field, e.g. "Mitigation: Retpolines"; "" when unreadable
  IbpbMode ibpb = IbpbMode::unknown;
};
// The first line of /sys/devices/system/cpu/vulnerabilities/spectre_v2, fields split by "; ".
SpectreV2 parse_spectre_v2(std::string_view line);
std::string to_string(IbpbMode m);

}  // namespace conc::os
