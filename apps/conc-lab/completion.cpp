// Bash and zsh completion scripts written from the command tree (cli_tree.cpp). Both scripts
// work the same way: walk the words typed so far to find the deepest command they name
// ("/lesson/stack"), complete an option's value when the previous word is an option that takes
// one (files, choices, or nothing for a number), and otherwise offer that command's
// subcommands and options.

#include <fmt/format.h>

#include <string>

#include "shell_integration.h"

namespace conc::app {

namespace {

std::string key_of(const CommandEntry& c) {
  std::string key;
  for (const auto& p : c.path) {
    key += '/';
    key += p;
  }
  return key;
}

std::string joined_words(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) {
      s += ' ';
    }
    s += w;
  }
  return s;
}

// Inside single quotes: ' becomes '\''.
std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// "/lesson|/lesson/stack|...": every command path below the root, as case patterns.
std::string command_patterns(const std::vector<CommandEntry>& commands, bool zsh) {
  std::string out;
  for (const auto& c : commands) {
    if (!c.path.empty()) {
      out += fmt::format("{}\"{}\"", out.empty() ? "" : "|", key_of(c));
    }
  }
  return zsh ? fmt::format("({})", out) : out;
}

// What to complete after an option that takes a value, per shell.
struct ValueActions {
  std::string files, nothing;
  std::string (*choices)(const std::vector<std::string>&);
};

std::string value_cases(const std::vector<CommandEntry>& commands, const ValueActions& act,
                        bool zsh) {
  std::string out;
  for (const auto& c : commands) {
    for (const auto& o : c.options) {
      if (o.value_name.empty()) {
        continue;
      }
      const std::string action = o.takes_file()       ? act.files
                                 : !o.choices.empty() ? act.choices(o.choices)
                                                      : act.nothing;
      for (const auto& name : o.names) {
        const std::string pattern = fmt::format("\"{} {}\"", key_of(c), name);
        // zsh may open a case pattern with '(' too; bash only closes it.
        out +=
            fmt::format("    {}{})\n      {}\n      return ;;\n", zsh ? "(" : "", pattern, action);
      }
    }
  }
  return out;
}

std::vector<std::string> option_names(const CommandEntry& c) {
  std::vector<std::string> names;
  for (const auto& o : c.options) {
    names.insert(names.end(), o.names.begin(), o.names.end());
  }
  return names;
}

std::string bash_words(const std::vector<CommandEntry>& commands, const CommandEntry& c) {
  std::vector<std::string> words;
  for (auto i : c.children) {
    words.push_back(commands[i].name());
  }
  for (const auto& w : c.positional_choices) {
    words.push_back(w);
  }
  for (const auto& w : option_names(c)) {
    words.push_back(w);
  }
  return joined_words(words);
}

std::string bash_choices(const std::vector<std::string>& choices) {
  return fmt::format("COMPREPLY=($(compgen -W {} -- \"$cur\"))",
                     single_quoted(joined_words(choices)));
}

std::string zsh_choices(const std::vector<std::string>& choices) {
  return fmt::format("compadd -- {}", joined_words(choices));
}

std::string zsh_described(const std::string& name, const std::string& description) {
  return single_quoted(fmt::format("{}:{}", name, description));
}

std::string zsh_lists(const std::vector<CommandEntry>& commands, const CommandEntry& c) {
  std::string subs, opts;
  for (auto i : c.children) {
    subs += fmt::format(" {}", zsh_described(commands[i].name(), commands[i].description));
  }
  for (const auto& w : c.positional_choices) {
    subs += fmt::format(" {}", zsh_described(w, ""));
  }
  for (const auto& o : c.options) {
    for (const auto& n : o.names) {
      opts += fmt::format(" {}", zsh_described(n, o.description));
    }
  }
  return fmt::format("subs=({}); opts=({})", subs, opts);
}

}  // namespace

std::string bash_completion(const std::vector<CommandEntry>& commands) {
  std::string words_cases;
  for (const auto& c : commands) {
    words_cases +=
        fmt::format("    \"{}\") words={} ;;\n", key_of(c), single_quoted(bash_words(commands, c)));
  }
  const ValueActions act{"COMPREPLY=($(compgen -f -- \"$cur\"))", "COMPREPLY=()", bash_choices};
  return fmt::format(
      "# bash completion for conc-lab, written by `conc-lab completion bash` from its own\n"
      "# command tree. Load it with:  source <(conc-lab completion bash)\n"
      "_conc_lab() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
      "  local cmd=\"\" w i words=\"\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=${{COMP_WORDS[i]}}\n"
      "    case \"$cmd/$w\" in\n"
      "      {}) cmd=\"$cmd/$w\" ;;\n"
      "    esac\n"
      "  done\n"
      "  case \"$cmd $prev\" in\n"
      "{}"
      "  esac\n"
      "  case \"$cmd\" in\n"
      "{}"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "}}\n"
      "complete -F _conc_lab conc-lab scripts/run\n",
      command_patterns(commands, false), value_cases(commands, act, false), words_cases);
}

std::string zsh_completion(const std::vector<CommandEntry>& commands) {
  std::string list_cases;
  for (const auto& c : commands) {
    list_cases += fmt::format("    (\"{}\") {} ;;\n", key_of(c), zsh_lists(commands, c));
  }
  const ValueActions act{"_files", "_message value", zsh_choices};
  return fmt::format(
      "#compdef conc-lab\n"
      "# zsh completion for conc-lab, written by `conc-lab completion zsh` from its own\n"
      "# command tree. Install it as _conc-lab in a folder of $fpath, or load it with:\n"
      "#   source <(conc-lab completion zsh)\n"
      "_conc_lab() {{\n"
      "  local cmd=\"\" w i prev=${{words[CURRENT-1]}}\n"
      "  local -a subs opts\n"
      "  for ((i = 2; i < CURRENT; i++)); do\n"
      "    w=${{words[i]}}\n"
      "    case \"$cmd/$w\" in\n"
      "      {}) cmd=\"$cmd/$w\" ;;\n"
      "    esac\n"
      "  done\n"
      "  case \"$cmd $prev\" in\n"
      "{}"
      "  esac\n"
      "  case \"$cmd\" in\n"
      "{}"
      "  esac\n"
      "  if [[ $PREFIX == -* || ${{#subs}} -eq 0 ]]; then\n"
      "    _describe -t options option opts\n"
      "  else\n"
      "    _describe -t commands command subs\n"
      "  fi\n"
      "}}\n"
      "if [[ ${{zsh_eval_context[-1]}} == loadautofunc ]]; then\n"
      "  _conc_lab \"$@\"\n"
      "else\n"
      "  compdef _conc_lab conc-lab\n"
      "fi\n",
      command_patterns(commands, true), value_cases(commands, act, true), list_cases);
}

}  // namespace conc::app
