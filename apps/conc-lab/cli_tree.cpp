// The walk over CLI11's command tree that the completion scripts and the man page share.

#include <string>

#include "shell_integration.h"

namespace conc::app {

namespace {

bool is_hidden(const std::string& group) {
  return group.empty();
}

// CLI11 appends a check's description to the type name: "TEXT:{bash,zsh}" for an IsMember.
std::vector<std::string> choices_in(const std::string& type_name) {
  const auto open = type_name.find('{');
  const auto close = type_name.find('}', open == std::string::npos ? 0 : open);
  std::vector<std::string> choices;
  if (open == std::string::npos || close == std::string::npos) {
    return choices;
  }
  std::string item;
  for (char c : type_name.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      choices.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) {
    choices.push_back(item);
  }
  return choices;
}

std::string value_name_of(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  return type.substr(0, type.find(':'));
}

OptionEntry describe_option(const CLI::Option& opt) {
  OptionEntry e;
  for (const auto& l : opt.get_lnames()) {
    e.names.push_back("--" + l);
  }
  for (const auto& s : opt.get_snames()) {
    e.names.push_back("-" + s);
  }
  e.description = opt.get_description();
  if (opt.get_type_size() != 0) {  // 0: a flag
    e.value_name = value_name_of(opt);
    e.choices = choices_in(opt.get_type_name());
  }
  return e;
}

void describe(CLI::App& app, const std::vector<std::string>& path, std::vector<CommandEntry>& out) {
  const std::size_t self = out.size();
  CommandEntry entry;
  entry.path = path;
  entry.description = app.get_description();
  entry.footer = app.get_footer();
  for (const CLI::Option* opt : app.get_options({})) {
    if (is_hidden(opt->get_group())) {
      continue;
    }
    if (opt->get_positional() && !opt->nonpositional()) {
      entry.positional_choices = choices_in(opt->get_type_name());
    } else {
      entry.options.push_back(describe_option(*opt));
    }
  }
  out.push_back(std::move(entry));
  for (CLI::App* sub : app.get_subcommands({})) {
    if (is_hidden(sub->get_group())) {
      continue;
    }
    out[self].children.push_back(out.size());
    auto child_path = path;
    child_path.push_back(sub->get_name());
    describe(*sub, child_path, out);
  }
}

}  // namespace

std::string CommandEntry::joined(char sep) const {
  std::string s;
  for (const auto& p : path) {
    if (!s.empty()) {
      s += sep;
    }
    s += p;
  }
  return s;
}

std::vector<CommandEntry> describe_commands(CLI::App& root) {
  std::vector<CommandEntry> out;
  describe(root, {}, out);
  return out;
}

}  // namespace conc::app
