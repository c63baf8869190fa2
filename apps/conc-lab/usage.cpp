#include "usage.h"

#include <algorithm>
#include <cstdio>

#include "did_you_mean.h"
#include "report/command_hint.h"

namespace conc::app {

namespace {

// CLI11's words for a flag given a value (disable_flag_override), to be told plainly.
constexpr std::string_view kFlagOverrideTail = " was given a disallowed flag override";

// "conc-lab lesson stack --help": where to read about what was parsed so far.
std::string help_hint(const CLI::App& app) {
  std::string hint = app.get_name();
  const CLI::App* at = &app;
  while (true) {
    const auto parsed = at->get_subcommands();
    if (parsed.empty()) {
      break;
    }
    at = parsed.front();
    hint += " " + at->get_name();
  }
  return hint + " --help";
}

using report::command_hint;

std::string unknown(const std::string& kind, const std::string& typed,
                    const std::vector<std::string>& names) {
  std::string msg = "unknown " + kind + " '" + typed + "'";
  if (auto near = closest_name(typed, names)) {
    return msg + " (did you mean '" + *near + "'?)";
  }
  return msg + (kind == "lesson" ? " (" + command_hint("list") + " shows them)"
                                 : " (" + command_hint("--help") + ")");
}

// `scripts/run stack`: a lesson's name typed as a command. Suggests the lesson (exactly or
// nearly that name) unless the word is nearer to a command.
std::string unknown_command(const std::string& typed, const Commands& commands) {
  const auto lessons = commands.lesson_names();
  const bool is_lesson = std::find(lessons.begin(), lessons.end(), typed) != lessons.end();
  const auto near_command = closest_name(typed, commands.command_names());
  const auto near_lesson =
      is_lesson ? std::optional<std::string>(typed) : closest_name(typed, lessons);
  if (near_lesson && (is_lesson || !near_command)) {
    return "unknown command '" + typed + "' (did you mean '" +
           command_hint("lesson " + *near_lesson) + "'?)";
  }
  return unknown("command", typed, commands.command_names());
}

// `lesson 15` when `list` numbers 14 lessons.
std::string unknown_lesson_number(const std::string& typed, std::size_t count) {
  return "there is no lesson " + typed + ": " + command_hint("list") + " numbers them 1 to " +
         std::to_string(count);
}

bool is_whole_number(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

// Left-over arguments in our words (not CLI11's "The following argument was not expected"):
// the first unknown option if there is one, else the stray words, with the help hint.
[[noreturn]] void reject_extras(const CLI::App& root, const std::vector<std::string>& extras) {
  const auto option = std::find_if(extras.begin(), extras.end(), [](const std::string& a) {
    return a.size() > 1 && a.front() == '-';
  });
  std::string what;
  if (option != extras.end()) {
    what = "unknown option '" + *option + "'";
  } else {
    what = extras.size() == 1 ? "unexpected argument" : "unexpected arguments";
    for (const auto& e : extras) {
      what += " '" + e + "'";
    }
  }
  throw UsageError(what + " (see " + help_hint(root) + ")");
}

// `conc-lab lesson c10k --max-threads 10`: name the lesson the flag belongs to.
std::string foreign_flag(const Commands& commands, const std::string& lesson,
                         const std::string& arg) {
  const std::string flag = arg.substr(0, arg.find('='));
  std::string msg = flag + " is not an option of lesson " + lesson;
  std::string owners;
  for (const auto& o : commands.lessons_with_option(flag)) {
    owners += (owners.empty() ? "" : ", ") + o;
  }
  if (!owners.empty()) {
    msg += " (it belongs to: " + owners + ")";
  }
  return msg;
}

void check_lesson_extras(const CLI::App& root, const CLI::App& lesson, const Commands& commands) {
  const auto extras = lesson.remaining();
  if (extras.empty()) {
    return;
  }
  const auto flag = std::find_if(extras.begin(), extras.end(), [](const std::string& a) {
    return a.rfind("--", 0) == 0 && a != "--";
  });
  if (flag == extras.end()) {
    reject_extras(root, extras);
  }
  throw UsageError(foreign_flag(commands, lesson.get_name(), *flag) + " (see " + help_hint(root) +
                   ")");
}

void check_lesson_group(const CLI::App& root, const CLI::App& group, const Commands& commands) {
  if (!group.get_subcommands().empty()) {
    return;
  }
  const auto extras = group.remaining();
  if (extras.empty()) {
    throw UsageError("which lesson? (" + command_hint("list") + " shows them)");
  }
  if (extras.front().rfind('-', 0) == 0) {
    reject_extras(root, extras);
  }
  if (is_whole_number(extras.front())) {  // the numbers in range are the lessons' aliases
    throw UsageError(unknown_lesson_number(extras.front(), commands.lesson_names().size()));
  }
  throw UsageError(unknown("lesson", extras.front(), commands.lesson_names()));
}

void check_root(const CLI::App& root, const Commands& commands) {
  const auto extras = root.remaining();
  if (extras.empty()) {
    return;
  }
  if (root.get_subcommands().empty() && extras.front().rfind('-', 0) != 0) {
    throw UsageError(unknown_command(extras.front(), commands));
  }
  reject_extras(root, extras);
}

// Newlines and other control characters typed in an argument, as C escapes.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

}  // namespace

void forbid_flag_values(CLI::App& app) {
  app.option_defaults()->disable_flag_override();
}

void add_usage_checks(CLI::App& app, const Commands& commands) {
  // Left-overs are kept (allow_extras) so that these callbacks, run once parsing is complete,
  // can say what is wrong with them instead of CLI11's generic ExtrasError.
  app.allow_extras();
  app.parse_complete_callback([&app, &commands] { check_root(app, commands); });
  for (CLI::App* command : app.get_subcommands({})) {  // list, info, claims, bench, ...
    if (command->get_name() == "lesson") {
      continue;  // below
    }
    command->allow_extras();
    command->parse_complete_callback([&app, command] {
      if (!command->remaining().empty()) {
        reject_extras(app, command->remaining());
      }
    });
  }
  CLI::App* group = app.get_subcommand("lesson");
  group->require_subcommand(0, 1);  // none is "which lesson?", said below
  group->allow_extras();
  group->parse_complete_callback(
      [&app, group, &commands] { check_lesson_group(app, *group, commands); });
  for (CLI::App* lesson : group->get_subcommands({})) {
    lesson->allow_extras();
    lesson->parse_complete_callback(
        [&app, lesson, &commands] { check_lesson_extras(app, *lesson, commands); });
  }
}

std::string usage_message(const CLI::App& app, const CLI::ParseError& error) {
  std::string what = error.what();
  if (dynamic_cast<const UsageError*>(&error) != nullptr) {
    return one_line(what);
  }
  if (what.size() > kFlagOverrideTail.size() &&
      what.compare(what.size() - kFlagOverrideTail.size(), kFlagOverrideTail.size(),
                   kFlagOverrideTail) == 0) {
    const std::string flag = what.substr(0, what.size() - kFlagOverrideTail.size());
    what = (flag.rfind('-', 0) == 0 ? "" : "--") + flag + " is a flag and takes no value";
  }
  return one_line(what + " (see " + help_hint(app) + ")");
}

}  // namespace conc::app
