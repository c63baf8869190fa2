// conc-lab: parse, pick a command, hand over, and turn every way of failing into one line on
// stderr and an exit status: 2 for a usage error, 1 for an OS call that failed (a failed write
// of stdout included), 128 + the signal after Ctrl-C and its kin (130 for SIGINT).

#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "help_formatter.h"
#include "lifetime.h"
#include "os/sys/interrupt.h"
#include "report/command_hint.h"
#include "usage.h"

namespace {

int fail(const char* what, int status) {
  std::fprintf(stderr, "conc-lab: %s\n", what);
  return status;
}

int parse_and_run(CLI::App& app, int argc, char** argv) {
  using conc::app::kExitOsFailure;
  try {
    conc::app::forbid_flag_values(app);
    conc::app::Commands commands(app);
    conc::app::add_usage_checks(app, commands);
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      return fail(conc::app::usage_message(app, e).c_str(), conc::app::kExitUsage);
    }
    return commands.run();
  } catch (const conc::os::Interrupted&) {
    std::fputc('\n', stderr);  // after the terminal's ^C
    return fail("interrupted", 128 + conc::os::interrupt_signal());
  } catch (const std::system_error& e) {
    return fail(e.what(), kExitOsFailure);
  } catch (const std::logic_error& e) {
    return fail((std::string("internal error: ") + e.what()).c_str(), kExitOsFailure);
  } catch (const std::exception& e) {
    // An experiment that could not be carried out here (a child that never reported, a
    // deadline passed): not a usage error, not a bug in conc-lab either.
    return fail(e.what(), kExitOsFailure);
  }
}

}  // namespace

int main(int argc, char** argv) {
  conc::app::start_process();
  // Named as the user typed it ("scripts/run" through the script), so that "Usage:" lines and
  // "see ... --help" hints name a command that works where they are.
  CLI::App app{"conc-lab: a laboratory that teaches concurrency by running it",
               conc::report::invoked_as()};
  app.formatter(std::make_shared<conc::app::HelpFormatter>());
  app.set_version_flag("--version", "conc-lab " CONC_LAB_VERSION);
  app.require_subcommand(0, 1);
  return conc::app::finish_stdout(parse_and_run(app, argc, argv));
}
