// `conc-lab completion bash|zsh` prints a completion script; the hidden `conc-lab man` prints
// the man page (cmake --install writes both next to the binary's install).

#include <cstdio>

#include "commands.h"
#include "shell_integration.h"

namespace conc::app {

namespace {

void print_text(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

void Commands::add_shell_integration(CLI::App& app) {
  auto* completion = app.add_subcommand("completion", "Print a completion script for bash or zsh");
  completion->add_option("shell", completion_shell_, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([this] {
    selected_ = [this] {
      const auto commands = describe_commands(app_);
      print_text(completion_shell_ == "bash" ? bash_completion(commands)
                                             : zsh_completion(commands));
      return kExitOk;
    };
  });
  auto* man = app.add_subcommand("man", "The man page, in roff (cmake --install uses it)");
  man->group("");
  man->callback([this] {
    selected_ = [this] {
      print_text(man_page(describe_commands(app_), CONC_LAB_VERSION));
      return kExitOk;
    };
  });
}

}  // namespace conc::app
