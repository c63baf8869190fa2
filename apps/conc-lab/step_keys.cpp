#include "step_keys.h"

#include <curses.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "lessons/common/options.h"
#include "stdin_byte.h"

namespace conc::app {

namespace {

constexpr int kDefaultRows = 24;
constexpr int kFewestRows = 5;

void write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// Non-canonical, no echo, while it lives; the settings as they were afterwards.
class KeyMode {
 public:
  KeyMode() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) {
      return;
    }
    termios keys = saved_;
    keys.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    keys.c_cc[VMIN] = 1;
    keys.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0;
  }
  ~KeyMode() {
    if (active_) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
  }
  KeyMode(const KeyMode&) = delete;
  KeyMode& operator=(const KeyMode&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::optional<lessons::StepKey> key_of(char c) {
  switch (c) {
    case '\n':
    case '\r':
    case ' ':
    case 'n':
      return lessons::StepKey::next;
    case 'r':
      return lessons::StepKey::rerun;
    case 's':
      return lessons::StepKey::skip;
    case 'q':
      return lessons::StepKey::quit;
    default:
      return std::nullopt;
  }
}

std::optional<lessons::StepKey> terminal_key(const std::string& prompt) {
  write_out(prompt);
  const KeyMode mode;
  for (;;) {
    const auto c = read_stdin_byte();
    if (!c) {
      write_out("\n");
      return std::nullopt;
    }
    if (const auto key = key_of(*c)) {
      write_out("\n");
      return key;
    }
  }
}

// A script's line: "" or "n" next, "r", "s", "q"; anything else counts as next.
std::optional<lessons::StepKey> scripted_key(const std::string& prompt) {
  write_out(prompt);
  std::string line;
  for (;;) {
    const auto c = read_stdin_byte();
    if (!c) {
      write_out("\n");
      return line.empty() ? std::nullopt : std::optional(lessons::StepKey::next);
    }
    if (*c == '\n') {
      break;
    }
    line += *c;
  }
  write_out(line + "\n");  // what a terminal would have echoed
  const auto key = line.empty() ? lessons::StepKey::next : key_of(line.front());
  return key.value_or(lessons::StepKey::next);
}

int terminal_rows() {
  if (const char* rows_env = std::getenv("LINES")) {
    if (const auto n = lessons::parse_decimal(rows_env); n && *n >= kFewestRows) {
      return static_cast<int>(*n);
    }
  }
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row >= kFewestRows) {
    return ws.ws_row;
  }
  return kDefaultRows;
}

// The terminal's own "clear" (terminfo, as ncurses knows it), or nothing when stdout is not a
// terminal or the terminal cannot clear ("dumb"). The terminal description stays loaded so that
// putp can pad the sequence; nothing in the terminal's modes changes.
std::function<void()> screen_clearer() {
  if (::isatty(STDOUT_FILENO) != 1) {
    return {};
  }
  int status = 0;
  if (cur_term == nullptr && setupterm(nullptr, STDOUT_FILENO, &status) != OK) {
    return {};
  }
  const char* sequence = tigetstr("clear");
  // tigetstr's "not a string capability" is (char*)-1.
  if (sequence == nullptr || reinterpret_cast<std::intptr_t>(sequence) == -1 || *sequence == '\0') {
    return {};
  }
  return [sequence] {
    std::fflush(stdout);
    putp(sequence);
    std::fflush(stdout);
  };
}

}  // namespace

std::shared_ptr<lessons::StepPresenter> terminal_step_presenter(const report::TextStyle& style) {
  lessons::StepIo io;
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  io.read_key = terminal ? terminal_key : scripted_key;
  io.write = write_out;
  // Two lines stay free: the "more" or prompt line and one for a message.
  io.page_lines = terminal && ::isatty(STDOUT_FILENO) == 1 ? terminal_rows() - 2 : 0;
  io.clear_terminal = screen_clearer();
  return std::make_shared<lessons::StepPresenter>(std::move(io), style);
}

}  // namespace conc::app
