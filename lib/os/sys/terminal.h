#pragma once
// The terminal's modes, always given back. A full-screen mode (the menu's curses mode) changes
// the terminal's line discipline (no echo, no line buffering) and screen (the alternate
// screen, a hidden cursor); if conc-lab ended without undoing that, the user's shell would be
// left unusable. So whoever changes the terminal first saves its modes here, and they are put
// back on every way out: the owner's destructor on a normal exit or an unwinding Ctrl-C, the
// interrupt watchdog's forced exit (SIGINT, SIGTERM, SIGHUP, SIGQUIT), and a fatal signal
// (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL), after which the signal is raised again with its
// default action so the exit status and any core dump stay what they would have been. Only a
// SIGKILL cannot be caught; the README tells the user to type `stty sane` then.
//
// Invariant: restore_saved_terminal() is async-signal-safe (tcsetattr and write(2) of a copy
// made in advance), so signal handlers and the watchdog may call it at any time; it does
// nothing when no modes are saved.

#include <termios.h>

#include <string_view>

namespace conc::os {

// Keeps `modes` (terminal `fd`'s modes as tcgetattr read them before the full-screen mode
// changed them) and `leave` (the escape sequence that leaves that mode, from terminfo; at most
// 255 bytes, longer is a logic error), to write and put back on the way out.
void save_terminal_modes(int fd, const termios& modes, std::string_view leave);
// The terminal is as it was (the owner restored it): nothing to do on the way out any more.
void forget_terminal_modes();
// Writes the leave sequence and puts the saved modes back, if any are saved.
void restore_saved_terminal();

// Installs the fatal-signal handlers once (safe to call again): restore, then re-raise.
void install_fatal_signal_restore();

}  // namespace conc::os
