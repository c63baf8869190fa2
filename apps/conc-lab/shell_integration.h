#pragma once
// Shell and system integration generated from the CLI11 command tree, so that a new lesson or
// option appears in them without anyone editing a list: bash and zsh completion scripts
// (`conc-lab completion bash|zsh`) and the man page (`conc-lab man`, used by
// `cmake --install`). Hidden commands and options (CLI11 group "") are left out.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace conc::app {

struct OptionEntry {
  std::vector<std::string> names;  // "--quick", "-h"
  std::string description;
  std::string value_name;            // "N", "FILE"; empty for a flag
  std::vector<std::string> choices;  // from an IsMember check; empty when free
  bool takes_file() const { return value_name == "FILE"; }
};

struct CommandEntry {
  std::vector<std::string> path;  // {"lesson", "stack"}; empty for conc-lab itself
  std::string description;
  std::string footer;
  std::vector<OptionEntry> options;
  std::vector<std::string> positional_choices;  // the values of a positional with choices
  std::vector<std::size_t> children;            // indices in describe_commands' result
  std::string name() const { return path.empty() ? "conc-lab" : path.back(); }
  std::string joined(char sep) const;  // "lesson stack" for ' '
};

// Every visible command of `root`, parents before children (the root first).
std::vector<CommandEntry> describe_commands(CLI::App& root);

std::string bash_completion(const std::vector<CommandEntry>& commands);
std::string zsh_completion(const std::vector<CommandEntry>& commands);
std::string man_page(const std::vector<CommandEntry>& commands, const std::string& version);

}  // namespace conc::app
