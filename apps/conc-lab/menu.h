#pragma once
// `conc-lab` with no arguments on a terminal: the syllabus as a full-screen menu (ncurses),
// drawn from a MenuModel (menu_model.h).
//
// A chosen lesson (or the tour) runs as a child process of this same binary
// (/proc/self/exe with the model's arguments) after the menu has left curses mode: the child
// owns the terminal as if typed at the shell, and nothing here couples to how it runs. When it
// exits, the menu says how it ended, waits for Enter, re-reads the ledger and comes back.
//
// The terminal is always given back: curses mode is left by the screen's destructor (normal
// exit, `q`, an unwinding Ctrl-C), and otherwise by os::restore_saved_terminal() (the
// interrupt watchdog, fatal signals; os/sys/terminal.h). While a child runs, the menu ignores
// SIGINT and SIGQUIT as system(3) does, so Ctrl-C stops the lesson and the menu comes back.

#include "menu_model.h"

namespace conc::app {

// Whether the terminal on stdout can show the menu: TERM names a terminal that terminfo knows
// and that can move its cursor (not "dumb").
bool menu_terminal_usable();

// Runs the menu until `q`; returns the exit status. Throws os::Interrupted after Ctrl-C at the
// menu itself (the screen restored first).
int run_menu(MenuModel& model);

}  // namespace conc::app
