#pragma once
// The machine, as facts for people: the full `conc-lab info` page and the one-line footer
// every lesson ends with. Both come from os::collect_system_info(), so they always agree.

#include <string>
#include <vector>

#include "os/procfs/sysinfo.h"
#include "report/report.h"

namespace conc::lessons {

// The short list behind each lesson's footer (and its JSON "env").
std::vector<report::Fact> footer_facts(const os::SystemInfo& info);

// Warnings when the machine is too busy or too stolen-from for tight figures.
std::vector<std::string> noise_warnings(const os::SystemInfo& info);

// `conc-lab info`: everything, grouped in tables, with the same warnings.
report::Report info_report(const os::SystemInfo& info);

}  // namespace conc::lessons
