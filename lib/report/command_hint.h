#pragma once
// Hints that name a command the user can type as they are running conc-lab.
//
// After a clone, `conc-lab` is not on PATH: the user types `scripts/run info`. scripts/run
// exports CONC_LAB_INVOKED_AS (the script's path as typed), and every hint the program prints
// (the syllabus, usage errors, a lesson's "run it again") is built here, so that it says
// `scripts/run info` there and `conc-lab info` when conc-lab was started directly.

#include <string>
#include <string_view>

namespace conc::report {

// The environment variable scripts/run sets to the command it was typed as.
inline constexpr const char* kInvokedAsVariable = "CONC_LAB_INVOKED_AS";

// How the user started conc-lab: CONC_LAB_INVOKED_AS when it is set to one printable line,
// else "conc-lab".
std::string invoked_as();

// The command to type for `args`: command_hint("lesson stack") is "scripts/run lesson stack"
// through the script, "conc-lab lesson stack" otherwise; command_hint("") is the program alone.
std::string command_hint(std::string_view args);

}  // namespace conc::report
