// The man page, conc-lab(1), written in roff from the command tree (cli_tree.cpp): every command,
// every lesson with its options, then the exit statuses, environment and files, which are the
// program's own rules and so are written here.

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "shell_integration.h"

namespace conc::app {

namespace {

// Roff takes a backslash as an escape and a line that starts with '.' or '\'' as a request.
std::string roff_text(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    out += c == '\\' ? std::string("\\e") : std::string(1, c);
    line_start = c == '\n';
  }
  return out;
}

// Option names in bold with their hyphens as minus signs, so they can be searched and pasted.
std::string roff_option(const OptionEntry& o) {
  std::string names;
  for (const auto& n : o.names) {
    std::string escaped;
    for (char c : n) {
      escaped += c == '-' ? std::string("\\-") : std::string(1, c);
    }
    names += fmt::format("{}\\fB{}\\fR", names.empty() ? "" : ", ", escaped);
  }
  if (!o.value_name.empty()) {
    names += fmt::format(" \\fI{}\\fR", roff_text(o.value_name));
  }
  return names;
}

// Every command takes --help; the man page says so once, under OPTIONS.
bool is_help(const OptionEntry& o) {
  return std::find(o.names.begin(), o.names.end(), "--help") != o.names.end();
}

std::string options_block(const CommandEntry& c, bool with_help) {
  std::string out;
  for (const auto& o : c.options) {
    if (is_help(o) && !with_help) {
      continue;
    }
    out += fmt::format(".TP\n{}\n{}\n", roff_option(o), roff_text(o.description));
    if (!o.choices.empty()) {
      std::string list;
      for (const auto& ch : o.choices) {
        list += fmt::format("{}{}", list.empty() ? "" : ", ", ch);
      }
      out += fmt::format("One of: {}.\n", roff_text(list));
    }
  }
  return out;
}

std::string command_section(const CommandEntry& c) {
  std::string out =
      fmt::format(".SS conc\\-lab {}\n{}\n", roff_text(c.joined(' ')), roff_text(c.description));
  if (!c.footer.empty()) {
    out += fmt::format(".PP\n{}\n", roff_text(c.footer));
  }
  return out + options_block(c, false);
}

constexpr const char* kFixedSections =
    ".SH EXIT STATUS\n"
    ".TP\n0\nThe command ran to its end.\n"
    ".TP\n1\nA system call failed, or an experiment could not be carried out here.\n"
    ".TP\n2\nA usage error: an unknown command, lesson or option, or a bad value.\n"
    ".TP\n128+N\nEnded by signal N (130 after Ctrl\\-C). No child process is left behind.\n"
    ".SH ENVIRONMENT\n"
    ".TP\n.B COLUMNS\nThe width the text output fits (on a terminal its own width is used).\n"
    ".TP\n.B NO_COLOR\nWhen set and not empty, no colour.\n"
    ".TP\n.B XDG_STATE_HOME\nWhere the verdicts of past runs are kept "
    "(default: ~/.local/state).\n"
    ".SH FILES\n"
    ".TP\n.I $XDG_STATE_HOME/conc\\-lab/\n"
    "The ledger of verdicts that \\fBconc\\-lab claims\\fR shows.\n"
    ".SH NOTES\n"
    "Every figure comes from the run that prints it. A busy machine disturbs the figures; "
    "the lessons say when they noticed.\n";

}  // namespace

std::string man_page(const std::vector<CommandEntry>& commands, const std::string& version) {
  const CommandEntry& root = commands.front();
  std::string out = fmt::format(
      ".TH CONC\\-LAB 1 \"\" \"conc-lab {}\" \"User Commands\"\n"
      ".SH NAME\nconc\\-lab \\- a laboratory that teaches concurrency by running it\n"
      ".SH SYNOPSIS\n.B conc\\-lab\n[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR]\n.br\n"
      ".B conc\\-lab lesson\n\\fINAME\\fR [\\fIOPTIONS\\fR]\n"
      ".SH DESCRIPTION\n"
      "Each lesson runs a live experiment on this machine for claims of the lecture notes on "
      "concurrency, and says from this run's numbers whether the machine confirms, nuances or "
      "contradicts each claim.\n"
      ".SH OPTIONS\n{}"
      ".PP\nEvery command takes \\fB\\-\\-help\\fR.\n",
      roff_text(version), options_block(root, true));
  out += ".SH COMMANDS\n";
  std::string lessons;
  for (const auto& c : commands) {
    if (c.path.empty()) {
      continue;
    }
    const bool is_lesson = c.path.size() == 2 && c.path.front() == "lesson";
    (is_lesson ? lessons : out) += command_section(c);
  }
  out += ".SH LESSONS\n" + lessons + kFixedSections;
  return out;
}

}  // namespace conc::app
