// conc-lab: parse, pick a command, hand over, and turn every way of failing into one line on
// stderr and an exit status: 2 for a usage error, 1 for an OS call that failed, 130 for Ctrl-C.

#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "did_you_mean.h"
#include "os/sys/interrupt.h"

namespace {

// How long a lesson may take to unwind after Ctrl-C before the process ends it itself.
constexpr int kInterruptGraceMs = 700;

// After SIGINT the lesson normally sees the flag and unwinds; this thread guarantees the
// process ends within the grace period even when it does not (a blocking call, a long step).
// Children die with us: they carry PR_SET_PDEATHSIG (os/child.h).
void start_interrupt_watchdog() {
  std::thread([] {
    pollfd pfd{conc::os::interrupt_fd(), POLLIN, 0};
    while (::poll(&pfd, 1, -1) < 0) {
    }
    ::poll(nullptr, 0, kInterruptGraceMs);
    // Worded apart from the normal "interrupted" so a test can tell that the lesson did not
    // stop by itself.
    static const char kMsg[] =
        "\nconc-lab: interrupted (forced: the lesson did not stop in time)\n";
    [[maybe_unused]] auto n = ::write(2, kMsg, sizeof kMsg - 1);
    ::_exit(128 + conc::os::interrupt_signal());
  }).detach();
}

// "conc-lab lesson stack --help": where to read about the command the user typed. Called after
// unknown_name() has vetted the names, so argv[1] (and a lesson in argv[2]) are real ones.
std::string help_hint(int argc, char** argv) {
  std::string hint = "conc-lab";
  if (argc >= 2 && argv[1][0] != '-') {
    hint += std::string(" ") + argv[1];
    if (std::string(argv[1]) == "lesson" && argc >= 3 && argv[2][0] != '-') {
      hint += std::string(" ") + argv[2];
    }
  }
  return hint + " --help";
}

// `conc-lab lesson c10k --max-threads 10`: name the lesson the flag belongs to, rather than
// CLI11's "arguments were not expected: 10 --max-threads".
std::optional<std::string> foreign_flag(int argc, char** argv, const conc::app::Commands& cmds) {
  if (argc < 4 || std::string(argv[1]) != "lesson") {
    return std::nullopt;
  }
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      continue;
    }
    const std::string flag = arg.substr(0, arg.find('='));
    if (cmds.lesson_has_option(argv[2], flag)) {
      continue;
    }
    const auto owners = cmds.lessons_with_option(flag);
    std::string msg = flag + " is not an option of lesson " + argv[2];
    if (!owners.empty()) {
      std::string list;
      for (const auto& o : owners) {
        list += (list.empty() ? "" : ", ") + o;
      }
      msg += " (it belongs to: " + list + ")";
    }
    return msg + " (see " + help_hint(argc, argv) + ")";
  }
  return std::nullopt;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "conc-lab: %s\n", message.c_str());
  return conc::app::kExitUsage;
}

// `conc-lab lesson thred` -> "unknown lesson 'thred' (did you mean 'thread'?)" before CLI11's
// generic "arguments were not expected".
std::optional<std::string> unknown_name(int argc, char** argv, const conc::app::Commands& cmds) {
  if (argc < 2 || argv[1][0] == '-') {
    return std::nullopt;
  }
  const std::string first = argv[1];
  auto describe = [](const std::string& kind, const std::string& typed,
                     const std::vector<std::string>& names) {
    std::string msg = "unknown " + kind + " '" + typed + "'";
    if (auto near = conc::app::closest_name(typed, names)) {
      msg += " (did you mean '" + *near + "'?)";
    } else {
      msg += kind == "lesson" ? " (conc-lab list shows them)" : " (conc-lab --help)";
    }
    return msg;
  };
  const auto commands = cmds.command_names();
  if (std::find(commands.begin(), commands.end(), first) == commands.end()) {
    return describe("command", first, commands);
  }
  if (first == "lesson" && argc == 2) {
    return std::string("which lesson? (conc-lab list shows them)");
  }
  if (first == "lesson" && argc >= 3 && argv[2][0] != '-') {
    const auto names = cmds.lesson_names();
    if (std::find(names.begin(), names.end(), argv[2]) == names.end()) {
      return describe("lesson", argv[2], names);
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  conc::os::install_interrupt_handler();
  start_interrupt_watchdog();
  CLI::App app{"conc-lab: a laboratory that teaches concurrency by running it", "conc-lab"};
  app.set_version_flag("--version", "conc-lab " CONC_LAB_VERSION);
  app.require_subcommand(0, 1);
  try {
    conc::app::Commands commands(app);
    if (auto message = unknown_name(argc, argv, commands)) {
      return usage_error(*message);
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ExtrasError& e) {
      if (auto message = foreign_flag(argc, argv, commands)) {
        return usage_error(*message);
      }
      return usage_error(std::string(e.what()) + " (see " + help_hint(argc, argv) + ")");
    } catch (const CLI::ParseError& e) {
      return usage_error(std::string(e.what()) + " (see " + help_hint(argc, argv) + ")");
    }
    return commands.run();
  } catch (const conc::os::Interrupted&) {
    std::fprintf(stderr, "\nconc-lab: interrupted\n");
    return 128 + conc::os::interrupt_signal();
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "conc-lab: %s\n", e.what());
    return conc::app::kExitOsFailure;
  } catch (const std::logic_error& e) {
    std::fprintf(stderr, "conc-lab: internal error: %s\n", e.what());
    return conc::app::kExitOsFailure;
  } catch (const std::exception& e) {
    // An experiment that could not be carried out here (a child that never reported, a
    // deadline passed): not a usage error, not a bug in conc-lab either.
    std::fprintf(stderr, "conc-lab: %s\n", e.what());
    return conc::app::kExitOsFailure;
  }
}
