#include "os/procfs/cpu_mitigations.h"

#include <sstream>

#include "os/procfs/text_scan.h"

namespace conc::os {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

IbpbMode parse_ibpb(std::string_view value) {
  if (value == "always-on") {
    return IbpbMode::always_on;
  }
  if (value == "conditional") {
    return IbpbMode::conditional;
  }
  if (value == "disabled") {
    return IbpbMode::disabled;
  }
  return IbpbMode::unknown;
}

}  // namespace

PtiState parse_meltdown(std::string_view line) {
  const std::string_view s = scan::trim(line);
  if (s.empty()) {
    return PtiState::unknown;
  }
  if (s == "Not affected") {
    return PtiState::not_affected;
  }
  if (starts_with(s, "Mitigation:")) {
    return s.find("PTI") != std::string_view::npos ? PtiState::on : PtiState::unknown;
  }
  if (starts_with(s, "Vulnerable")) {
    return PtiState::off;
  }
  return PtiState::unknown;
}

std::string to_string(PtiState s) {
  switch (s) {
    case PtiState::on:
      return "on";
    case PtiState::off:
      return "off (vulnerable)";
    case PtiState::not_affected:
      return "off (not needed)";
    case PtiState::unknown:
      break;
  }
  return "unknown";
}

TlbTagFlags parse_tlb_tag_flags(std::string_view cpuinfo) {
  TlbTagFlags out;
  scan::for_each_line(cpuinfo, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (out.flags_seen || colon == std::string_view::npos ||
        scan::trim(line.substr(0, colon)) != "flags") {
      return;
    }
    out.flags_seen = true;
    std::istringstream flags{std::string(line.substr(colon + 1))};
    std::string flag;
    while (flags >> flag) {
      out.pcid = out.pcid || flag == "pcid";
      out.invpcid = out.invpcid || flag == "invpcid";
    }
  });
  return out;
}

SpectreV2 parse_spectre_v2(std::string_view line) {
  SpectreV2 out;
  const std::string_view s = scan::trim(line);
  if (s.empty()) {
    return out;
  }
  out.ibpb = IbpbMode::absent;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= s.size()) {
    const auto end = s.find(';', pos);
    const std::string_view field = scan::trim(
        s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (first) {
      out.mode = std::string(field);
      first = false;
    } else if (starts_with(field, "IBPB:")) {
      out.ibpb = parse_ibpb(scan::trim(field.substr(5)));
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return out;
}

std::string to_string(IbpbMode m) {
  switch (m) {
    case IbpbMode::always_on:
      return "always-on";
    case IbpbMode::conditional:
      return "conditional";
    case IbpbMode::disabled:
      return "disabled";
    case IbpbMode::absent:
      return "not offered";
    case IbpbMode::unknown:
      break;
  }
  return "unknown";
}

}  // namespace conc::os
