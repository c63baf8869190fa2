#include "help_formatter.h"

#include <sstream>
#include <vector>

namespace conc::app {

namespace {

// Help fits an 80-column terminal: names in the first kNameColumn columns, text after them.
constexpr std::size_t kHelpWidth = 80;
constexpr std::size_t kNameColumn = 26;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    words.push_back(w);
  }
  return words;
}

// `left` in the name column, then `text` wrapped to the help width; each "\n" in `text`
// starts a new line in the text column.
std::string two_columns(const std::string& left, const std::string& text) {
  std::string out = left;
  const std::size_t text_width = kHelpWidth - kNameColumn;
  std::size_t column = left.size();
  if (column >= kNameColumn - 1 && !text.empty()) {
    out += '\n';
    column = 0;
  }
  std::istringstream paragraphs(text);
  bool first_line = true;
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    std::size_t used = text_width;  // forces a fresh line for the first word
    for (const auto& word : words_of(paragraph)) {
      if (used + 1 + word.size() > text_width && used > 0) {
        if (!first_line) {
          out += '\n';
          column = 0;
        }
        first_line = false;
        out.append(kNameColumn - column, ' ');
        column = kNameColumn;
        used = 0;
      } else {
        out += ' ';
        ++used;
      }
      out += word;
      used += word.size();
    }
  }
  return out + "\n";
}

std::string sentence(std::string text) {
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  if (!text.empty() && text.back() != '.' && text.back() != ':') {
    text += '.';
  }
  return text;
}

// "N:a whole number from 1 to 1000" -> {"N", "a whole number from 1 to 1000"}.
std::pair<std::string, std::string> placeholder_and_rule(const CLI::Option& opt) {
  if (opt.get_type_size() == 0) {
    return {};
  }
  const std::string full = opt.get_type_name();
  const auto colon = full.find(':');
  if (colon == std::string::npos) {
    return {full, ""};
  }
  std::string rule = full.substr(colon + 1);
  return {full.substr(0, colon), rule == full.substr(0, colon) ? "" : rule};
}

// "{a,b,c}" -> "a\nb\nc": a set of accepted names, one per line.
std::string set_lines(const std::string& rule) {
  std::string lines;
  for (std::size_t i = 1; i + 1 < rule.size(); ++i) {
    lines += rule[i] == ',' ? '\n' : rule[i];
  }
  return lines;
}

}  // namespace

HelpFormatter::HelpFormatter() {
  column_width(kNameColumn);
}

std::string option_help_text(const CLI::Option& opt) {
  const auto [placeholder, rule] = placeholder_and_rule(opt);
  std::string text = sentence(opt.get_description());
  if (rule.empty()) {
    return text;
  }
  if (rule.size() >= 2 && rule.front() == '{' && rule.back() == '}') {
    return text + " " + placeholder + " is one of:\n" + set_lines(rule);
  }
  return text + " " + placeholder + ": " + sentence(rule);
}

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
  std::string left = "  " + make_option_name(opt, is_positional);
  if (const auto placeholder = placeholder_and_rule(*opt).first; !placeholder.empty()) {
    left += " " + placeholder;
  }
  return two_columns(left, option_help_text(*opt));
}

// The name alone: a lesson's number (its alias, `lesson 3`) is in `list`, not here.
// The command's description (a lesson's title can be long), wrapped to the help width.
std::string HelpFormatter::make_description(const CLI::App* app) const {
  std::string out, line;
  for (const auto& word : words_of(app->get_description())) {
    if (!line.empty() && line.size() + 1 + word.size() > kHelpWidth) {
      out += line;
      out += '\n';
      line.clear();
    }
    if (!line.empty()) {
      line += ' ';
    }
    line += word;
  }
  if (!line.empty()) {
    out += line;
    out += '\n';
  }
  return out;
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  return two_columns("  " + sub->get_name(), sub->get_description());
}

}  // namespace conc::app
