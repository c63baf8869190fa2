#include <doctest/doctest.h>

#include "os/procfs/cpu_mitigations.h"

using namespace conc::os;

TEST_SUITE("cpu mitigations") {
  TEST_CASE("meltdown: PTI guest, newer CPU, vulnerable, unreadable") {
    CHECK(parse_meltdown("Mitigation: PTI\n") == PtiState::on);
    CHECK(parse_meltdown("Not affected") == PtiState::not_affected);
    CHECK(parse_meltdown("Vulnerable") == PtiState::off);
    CHECK(parse_meltdown("") == PtiState::unknown);
    CHECK(parse_meltdown("Unknown (XEN PV detected, hypervisor mitigation required)") ==
          PtiState::unknown);
  }

  TEST_CASE("cpuinfo flags: bare metal with PCID, guest without") {
    const char* bare_metal =
        "processor\t: 0\nmodel name\t: Some CPU\n"
        "flags\t\t: fpu vme pse pcid sse4_1 invpcid rtm\n\n"
        "processor\t: 1\nflags\t\t: fpu vme\n";
    const auto with = parse_tlb_tag_flags(bare_metal);
    CHECK(with.flags_seen);
    CHECK(with.pcid);
    CHECK(with.invpcid);
    const auto guest = parse_tlb_tag_flags("processor\t: 0\nflags\t\t: fpu hypervisor pcide\n");
    CHECK(guest.flags_seen);
    CHECK_FALSE(guest.pcid);  // "pcide" is not "pcid"
    CHECK_FALSE(guest.invpcid);
    CHECK_FALSE(parse_tlb_tag_flags("Processor\t: AArch64\nFeatures\t: fp asimd\n").flags_seen);
  }

  TEST_CASE("spectre_v2: IBPB conditional, always-on, not offered") {
    const auto cond = parse_spectre_v2(
        "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; RSB filling; "
        "PBRSB-eIBRS: SW sequence; BHI: BHI_DIS_S");
    CHECK(cond.mode == "Mitigation: Enhanced / Automatic IBRS");
    CHECK(cond.ibpb == IbpbMode::conditional);
    CHECK(parse_spectre_v2("Mitigation: Retpolines; IBPB: always-on; STIBP: forced").ibpb ==
          IbpbMode::always_on);
    CHECK(parse_spectre_v2("Mitigation: Retpolines; IBPB: disabled").ibpb == IbpbMode::disabled);
    const auto guest = parse_spectre_v2(
        "Mitigation: Retpolines; STIBP: disabled; RSB filling; PBRSB-eIBRS: Not affected");
    CHECK(guest.mode == "Mitigation: Retpolines");
    CHECK(guest.ibpb == IbpbMode::absent);
    CHECK(parse_spectre_v2("").ibpb == IbpbMode::unknown);
  }
}
