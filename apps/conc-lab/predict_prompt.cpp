#include "predict_prompt.h"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "report/units.h"
#include "stdin_byte.h"

namespace conc::app {

namespace {

void say(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

// One line from stdin; nullopt at end of input.
std::optional<std::string> read_line() {
  std::string line;
  for (;;) {
    const auto c = read_stdin_byte();
    if (!c) {
      return line.empty() ? std::nullopt : std::optional(line);
    }
    if (*c == '\n') {
      return line;
    }
    line += *c;
  }
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r×xX%");
  return b == std::string::npos || e == std::string::npos || e < b ? "" : s.substr(b, e - b + 1);
}

std::optional<double> parse_number(const std::string& text) {
  const std::string t = trimmed(text);
  std::string digits;
  for (char c : t) {
    if (c != ',' && c != '_') {  // 10,000 and 10_000 as people type them
      digits += c;
    }
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(digits.c_str(), &end);
  if (digits.empty() || end != digits.c_str() + digits.size() || errno != 0) {
    return std::nullopt;
  }
  return v;
}

constexpr std::size_t kPromptWidth = 76;  // with the indent, inside 80 columns

// The question as indented lines of at most kPromptWidth characters.
std::string wrapped(const std::string& text) {
  std::string out, line, word;
  const auto flush_word = [&] {
    if (!line.empty() && line.size() + 1 + word.size() > kPromptWidth) {
      out += fmt::format("  {}\n", line);
      line.clear();
    }
    if (!line.empty()) {
      line += ' ';
    }
    line += word;
    word.clear();
  };
  for (char c : fmt::format("{} ", text)) {
    if (c == ' ') {
      if (!word.empty()) {
        flush_word();
      }
    } else {
      word += c;
    }
  }
  return out + fmt::format("  {}\n", line);
}

// 10000000 as 10,000,000; fractions as they are.
std::string bound_text(double v) {
  constexpr double kExactInteger = 1e15;
  if (v == static_cast<double>(static_cast<long long>(v)) && v < kExactInteger) {
    return report::format_count(static_cast<long long>(v));
  }
  return fmt::format("{:g}", v);
}

class TerminalAsker {
 public:
  std::optional<double> operator()(const lessons::Question& q) {
    if (input_ended_) {
      return std::nullopt;
    }
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    say(fmt::format("\nPredict before it is measured:\n{}", wrapped(q.text)));
    for (;;) {
      say(fmt::format("  Your guess in {} ({} to {}; Enter skips): ", q.unit, bound_text(q.low),
                      bound_text(q.high)));
      const auto line = read_line();
      if (!terminal && line) {
        say(fmt::format("{}\n", *line));  // what a terminal would have echoed
      }
      if (!line) {
        input_ended_ = true;
        say("\n  (no more input: the remaining questions are skipped)\n");
        return std::nullopt;
      }
      if (trimmed(*line).empty()) {
        say("  Skipped.\n");
        return std::nullopt;
      }
      const auto guess = parse_number(*line);
      if (guess && *guess >= q.low && *guess <= q.high) {
        say("  Noted. Measuring...\n");
        return guess;
      }
      say(fmt::format("  '{}' is not a number from {} to {}.\n", trimmed(*line), bound_text(q.low),
                      bound_text(q.high)));
      if (!terminal) {
        return std::nullopt;  // a script gets one try per question
      }
    }
  }

 private:
  bool input_ended_ = false;
};

}  // namespace

std::shared_ptr<lessons::PredictSession> terminal_predict_session() {
  auto session = std::make_shared<lessons::PredictSession>();
  session->ask = TerminalAsker{};
  return session;
}

}  // namespace conc::app
