#pragma once
// Usage errors, told the way a user can act on them, from within CLI11: the checks run as
// CLI11 callbacks on the command tree (unknown command or lesson with "did you mean", another
// lesson's flag with "it belongs to: ...", a flag given a value) and every parse failure
// becomes one line: `conc-lab: <what>` plus where to read more.

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace conc::app {

// A usage error whose message is complete as it stands (no "see --help" added).
class UsageError : public CLI::ParseError {
 public:
  explicit UsageError(std::string message)
      : CLI::ParseError("UsageError", std::move(message), kExitUsage) {}
};

// Installs the checks on the tree `commands` built in `app`. Flags take no value from here on
// (`--quick=2` is an error), so call it before the commands are added.
void forbid_flag_values(CLI::App& app);
void add_usage_checks(CLI::App& app, const Commands& commands);

// The one line (without "conc-lab: ") for a parse failure: its own words for a UsageError,
// CLI11's words otherwise, followed by the help command of what was being parsed. Control
// characters typed in an argument are escaped, so the message stays one line.
std::string usage_message(const CLI::App& app, const CLI::ParseError& error);

}  // namespace conc::app
