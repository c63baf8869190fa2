#pragma once
// How conc-lab starts and ends as a process, apart from what it runs: the standard streams, the
// signals that stop it (SIGINT, SIGTERM, SIGHUP, SIGQUIT), the watchdog that ends it within a
// bound after one, the processes it leaves behind (none), and the exit status a failed write of
// stdout earns.

namespace conc::app {

// Call first in main(). Points closed standard descriptors at /dev/null opened the wrong way
// round (so a closed stdout fails every write instead of lending descriptor 1 to the next file
// opened), installs the signal handlers and the watchdog, and makes conc-lab a child
// subreaper, so that what a child forks and orphans is re-parented here (and killed with its
// process group) rather than to init.
void start_process();

// Call last: flushes and closes stdout. A failed write, flush or close there, now or earlier,
// is an OS failure: one line on stderr, and `status` becomes 1 unless it already says failure.
int finish_stdout(int status);

}  // namespace conc::app
