#pragma once
// `--help` that reads as sentences. CLI11 prints an option's rule glued to its placeholder
// (`--repeat N:a whole number from 1 to 1000`, `--only TEXT:{a,b,c}`); this formatter prints
// the placeholder alone and ends the description with the rule as a sentence ("N: a whole
// number from 1 to 1000."), a set of names one per line, every line wrapped to 80 columns.

#include <CLI/CLI.hpp>
#include <string>

namespace conc::app {

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
};

// The option's help text as the formatter prints it after the name (for tests).
std::string option_help_text(const CLI::Option& opt);

}  // namespace conc::app
