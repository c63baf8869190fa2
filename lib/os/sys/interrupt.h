#pragma once
// Ctrl-C during a lesson. SIGINT (and SIGTERM, SIGHUP, SIGQUIT: a closed terminal, Ctrl-\\) set
// a flag that experiments poll between steps;
// a lesson that sees it throws Interrupted, which unwinds it (joining threads, reaping
// children) and the app exits 130. The app also runs a watchdog: if the lesson has not
// returned within a deadline after the signal, it ends the process itself (children die with
// it through PR_SET_PDEATHSIG, see child.h; external commands run in process groups that are
// registered here and killed on that forced path too, see command.h).

#include <sys/types.h>

#include <stdexcept>

namespace conc::os {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// Installs the SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers once. Safe to call again.
void install_interrupt_handler();
bool interrupted();
// Throws Interrupted when the flag is set. Call it between steps of every long experiment.
void throw_if_interrupted();
// Sleeps `ns` nanoseconds in steps of at most 50 ms, throwing Interrupted as soon as Ctrl-C
// has been seen: the way to wait inside an experiment.
void sleep_interruptible(long long ns);

// A file descriptor that becomes readable when a signal arrives (the watchdog polls it).
int interrupt_fd();
// Which signal arrived (0 if none): the exit status is 128 + it.
int interrupt_signal();

// How many times this process was continued after a stop (SIGSTOP or Ctrl-Z, then SIGCONT)
// since install_interrupt_handler(): a measurement that spans a stop holds the pause.
unsigned continue_count();

// Process groups of running external commands. kill_registered_groups() SIGKILLs them all; it
// is async-signal-safe, for the watchdog's forced exit. Registering more groups at once than
// the table holds (a handful run at a time) is a logic error.
void register_group(pid_t group);
void unregister_group(pid_t group);
void kill_registered_groups();

}  // namespace conc::os
