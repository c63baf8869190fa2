#include "menu.h"

#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "os/sys/interrupt.h"
#include "os/sys/terminal.h"
#include "report/text_layout.h"

namespace conc::app {

namespace {

// How often the key loop looks at the interrupt flag while no key comes.
constexpr int kKeyPollMs = 100;
// How long a lone Escape waits for the rest of an arrow key's sequence.
constexpr int kEscapeDelayMs = 25;
constexpr int kEscape = 27;
// Rows above and below the list: the title and a blank line; the status and the keys.
constexpr int kTopRows = 2;
constexpr int kBottomRows = 2;
// Column where a lesson's state starts ("> " + " 6. concurrency-vs-parallelism" + gap).
constexpr int kStateColumn = 34;

enum ColorPair : short { kGood = 1, kMixed, kBad };

// Cuts `text` to `width` columns (each character one column; UTF-8 sequences kept whole).
std::string fit(const std::string& text, int width) {
  int shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0U) != 0x80U && ++shown > width) {
      return text.substr(0, i);
    }
  }
  return text;
}

std::string terminfo_string(const char* capability) {
  const char* s = tigetstr(capability);
  // tigetstr's "not a string capability" is (char*)-1.
  return s == nullptr || reinterpret_cast<std::intptr_t>(s) == -1 ? "" : s;
}

// Curses mode, entered by the constructor and left by the destructor; suspend() and resume()
// leave and re-enter it around a child process.
class Screen {
 public:
  Screen() {
    std::setlocale(LC_ALL, "");  // UTF-8 ("·") through ncursesw
    termios shell_modes{};
    have_modes_ = ::tcgetattr(STDOUT_FILENO, &shell_modes) == 0;
    os::install_fatal_signal_restore();
    initscr();
    shell_modes_ = shell_modes;
    leave_ = terminfo_string("sgr0") + terminfo_string("cnorm") + terminfo_string("rmcup");
    remember();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(kEscapeDelayMs);
    timeout(kKeyPollMs);
    curs_set(0);
    const char* no_color = std::getenv("NO_COLOR");
    color_ = (no_color == nullptr || *no_color == '\0') && has_colors();
    if (color_) {
      start_color();
      use_default_colors();
      init_pair(kGood, COLOR_GREEN, -1);
      init_pair(kMixed, COLOR_YELLOW, -1);
      init_pair(kBad, COLOR_RED, -1);
    }
  }
  ~Screen() {
    endwin();
    os::forget_terminal_modes();
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  void suspend() {
    def_prog_mode();
    endwin();
    os::forget_terminal_modes();
  }
  void resume() {
    reset_prog_mode();
    remember();
    clear();
  }
  bool color() const { return color_; }

 private:
  void remember() {
    if (have_modes_) {
      os::save_terminal_modes(STDOUT_FILENO, shell_modes_, leave_);
    }
  }
  termios shell_modes_{};
  bool have_modes_ = false;
  std::string leave_;
  bool color_ = false;
};

short state_pair(const std::string& state) {
  if (state.find("contradicted") != std::string::npos) {
    return kBad;
  }
  if (state.find("nuanced") != std::string::npos || state.find("not judged") != std::string::npos) {
    return kMixed;
  }
  return state.rfind("run", 0) == 0 ? kGood : 0;
}

void draw_row(const MenuRow& row, int y, bool selected, bool color) {
  const int width = COLS - 1;
  std::string line = (selected ? "> " : "  ") + row.text;
  if (selected) {
    attron(A_REVERSE);
  }
  if (row.kind == MenuRow::Kind::chapter) {
    attron(A_BOLD);
  }
  mvaddstr(y, 0, fit(line, width).c_str());
  if (row.kind == MenuRow::Kind::lesson && width > kStateColumn) {
    const std::string pad(
        static_cast<std::size_t>(std::max<int>(kStateColumn - static_cast<int>(line.size()), 1)),
        ' ');
    addstr(pad.c_str());
    const short pair = color ? state_pair(row.state) : short{0};
    if (pair != 0) {
      attron(COLOR_PAIR(pair));
    }
    addstr(fit(row.state, width - getcurx(stdscr)).c_str());
    if (pair != 0) {
      attroff(COLOR_PAIR(pair));
    }
  }
  attrset(A_NORMAL);
}

void draw(const MenuModel& model, const Screen& screen) {
  erase();
  const int width = COLS - 1;
  attron(A_BOLD);
  mvaddstr(0, 0, fit("conc-lab: concurrency, measured on this machine", width).c_str());
  attroff(A_BOLD);
  const int height = std::max(LINES - kTopRows - kBottomRows, 1);
  const int top = model.first_visible(height);
  const auto& rows = model.rows();
  for (int i = 0; i < height && top + i < static_cast<int>(rows.size()); ++i) {
    const int index = top + i;
    draw_row(rows[static_cast<std::size_t>(index)], kTopRows + i, index == model.selected(),
             screen.color());
  }
  attron(A_DIM);
  const auto status_width = static_cast<std::size_t>(std::max(width - 2, 0));
  mvaddstr(LINES - 2, 0, ("  " + report::elide_words(model.status(), status_width)).c_str());
  attroff(A_DIM);
  const std::string keys =
      fmt::format("Up/Down move  1-{} pick a lesson  Enter run  q quit", model.lesson_count());
  mvaddstr(LINES - 1, 0, fit(keys, width).c_str());
  refresh();
}

KeyPress translate(int ch) {
  switch (ch) {
    case KEY_UP:
    case 'k':
      return {MenuKey::up};
    case KEY_DOWN:
    case 'j':
      return {MenuKey::down};
    case KEY_PPAGE:
      return {MenuKey::page_up};
    case KEY_NPAGE:
      return {MenuKey::page_down};
    case KEY_HOME:
      return {MenuKey::home};
    case KEY_END:
      return {MenuKey::end};
    case '\n':
    case '\r':
    case KEY_ENTER:
    case ' ':
      return {MenuKey::enter};
    case 'q':
    case 'Q':
    case kEscape:
      return {MenuKey::quit};
    default:
      if (ch >= '0' && ch <= '9') {
        return {MenuKey::digit, ch - '0'};
      }
      return {MenuKey::other};
  }
}

// Keys until the model asks for something; Ctrl-C unwinds (the Screen restores the terminal).
MenuAction next_action(MenuModel& model, const Screen& screen) {
  draw(model, screen);
  for (;;) {
    const int ch = getch();
    os::throw_if_interrupted();
    if (ch == ERR) {
      continue;
    }
    MenuAction action = model.press(translate(ch));
    if (action.kind != MenuAction::Kind::none) {
      return action;
    }
    draw(model, screen);
  }
}

// The child: this binary with `args`, in the foreground, SIGINT and SIGQUIT ignored here
// meanwhile (as system(3)). Returns its exit status (128 + signal when killed).
int run_child(const std::vector<std::string>& args) {
  struct sigaction ignore {};
  struct sigaction old_int {};
  struct sigaction old_quit {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  // Everything the child needs is built before fork(): after it, in a threaded process, the
  // child may only make async-signal-safe calls.
  std::vector<std::string> argv_strings = {program_invocation_name};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  static const char kExecFailed[] = "conc-lab: cannot run /proc/self/exe\n";
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  const int fork_errno = errno;
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // the menu gone (killed): the lesson goes too
    if (::getppid() != parent) {
      ::_exit(1);
    }
    ::execv("/proc/self/exe", argv.data());
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }
  int status = 0;
  int exit_status = 1;
  if (pid > 0) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (pid < 0) {
    std::fprintf(stderr, "conc-lab: cannot start a process: %s\n", std::strerror(fork_errno));
  }
  return exit_status;
}

// After the child: how it ended, then Enter (the terminal in its normal, line-by-line mode).
// False at the end of input. Ctrl-C here ends conc-lab as anywhere.
bool wait_for_enter(const std::vector<std::string>& args, int status) {
  std::string command;
  for (const auto& a : args) {
    command += " " + a;
  }
  const std::string how = status == 0 ? "finished" : fmt::format("ended with status {}", status);
  std::printf("\nconc-lab%s: %s. Press Enter to return to the menu.", command.c_str(), how.c_str());
  std::fflush(stdout);
  pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {os::interrupt_fd(), POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      return false;
    }
    os::throw_if_interrupted();
    char c = 0;
    const auto n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    if (c == '\n') {
      return true;
    }
  }
}

void reload(MenuModel& model) {
  report::VerdictStore store(report::VerdictStore::default_path());
  (void)store.load();  // an unreadable ledger: lessons show as not run
  model.refresh(store);
}

}  // namespace

bool menu_terminal_usable() {
  int status = 0;
  if (setupterm(nullptr, STDOUT_FILENO, &status) != OK) {
    return false;  // TERM unset or unknown
  }
  const bool addressable = !terminfo_string("cup").empty();  // "dumb" cannot move the cursor
  del_curterm(cur_term);
  return addressable;
}

int run_menu(MenuModel& model) {
  reload(model);
  Screen screen;
  for (;;) {
    const MenuAction action = next_action(model, screen);
    if (action.kind == MenuAction::Kind::quit) {
      return 0;
    }
    screen.suspend();
    const int status = run_child(action.args);
    const bool more = wait_for_enter(action.args, status);
    if (!more) {
      return 0;
    }
    reload(model);
    screen.resume();
  }
}

}  // namespace conc::app
