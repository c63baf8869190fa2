#pragma once
// Ctrl-C during a lesson. SIGINT (and SIGTERM) set a flag that experiments poll between steps;
// a lesson that sees it throws Interrupted, which unwinds it (joining threads, reaping
// children) and the app exits 130. The app also runs a watchdog: if the lesson has not
// returned within a deadline after the signal, it ends the process itself (children die with
// it through PR_SET_PDEATHSIG, see child.h).

#include <stdexcept>

namespace conc::os {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// Installs the SIGINT/SIGTERM handlers once. Safe to call again.
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

}  // namespace conc::os
