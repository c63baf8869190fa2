// `conc-lab tour`: every lesson in the notes' order, a chapter header between them, one line
// of what each lesson showed in this run, and the position saved so that a tour cut short
// (q, Ctrl-C) can be resumed with --from.

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "did_you_mean.h"
#include "lessons/common/tour.h"
#include "report/command_hint.h"
#include "usage.h"

namespace conc::app {

namespace {

constexpr std::size_t kSummaryWidth = 78;  // after "→ ", inside 80 columns

void say(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void Commands::add_tour(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "tour", "Every lesson in the order of the notes, chapter by chapter, with what each showed");
  cmd->add_flag("--quick", tour_.quick, "Each lesson at its smallest honest size");
  cmd->add_option("--from", tour_.from, "Start at this lesson (resume a tour)")
      ->type_name("LESSON");
  cmd->add_flag("--step", tour_.step,
                "One section at a time: Enter next, r rerun, s skip, q quit (for a class)");
  cmd->add_flag("--predict", tour_.predict,
                "Guess each headline figure before it is measured, then see how close you were");
  cmd->callback([this] {
    const auto names = lesson_names();
    if (!tour_.from.empty() && std::find(names.begin(), names.end(), tour_.from) == names.end()) {
      const auto near = closest_name(tour_.from, names);
      throw UsageError(fmt::format("no lesson named '{}'{} (see {})", tour_.from,
                                   near ? fmt::format("; did you mean '{}'?", *near) : "",
                                   report::command_hint("list")));
    }
    selected_ = [this] { return run_tour(); };
  });
}

int Commands::run_tour() const {
  const auto position_file = lessons::default_tour_position_path();
  std::size_t first = 0;
  if (!tour_.from.empty()) {
    while (lessons_[first]->name() != tour_.from) {
      ++first;
    }
  } else if (const auto saved = lessons::load_tour_stop(position_file);
             saved && saved->next != std::string(lessons_.front()->name())) {
    std::fprintf(stderr,
                 "conc-lab: the last tour stopped at %s; continue with: %s (this one starts at "
                 "the beginning)\n",
                 saved->stopped_at.c_str(),
                 report::command_hint("tour --from " + saved->next).c_str());
  }
  lessons::CommonOptions options;
  options.quick = tour_.quick;
  options.step = tour_.step;
  options.predict = tour_.predict;
  std::string chapter;
  // With --step each screen is cleared: the chapter header and the last lesson's summary go
  // on the next lesson's first screen instead of scrolling away.
  std::string pending;
  std::vector<std::string> learnt;
  for (std::size_t i = first; i < lessons_.size(); ++i) {
    lessons::Lesson& lesson = *lessons_[i];
    const std::string name(lesson.name());
    if (auto warning = lessons::save_tour_position(position_file, name)) {
      std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
    }
    if (const auto c = lessons::chapter_of(name); c != chapter) {
      chapter = c;
      pending += fmt::format("\n══ {}\n\n", chapter);
    } else if (tour_.step && !pending.empty()) {
      pending += "\n";  // the last lesson's summary, a blank line, this lesson's title
    }
    if (!tour_.step) {
      say(pending);
      pending.clear();
    }
    report::Report r("", "");
    try {
      r = run_and_show(lesson, options, pending);
    } catch (const lessons::StepQuit& quit) {
      return stop_tour(position_file, i, quit.after_end);
    }
    learnt.push_back(lessons::lesson_summary(r, kSummaryWidth));
    pending = fmt::format("→ {}\n", learnt.back());
    if (!tour_.step) {
      say(pending);
      pending.clear();
    }
  }
  lessons::clear_tour_position(position_file);
  std::string out = pending + "\n══ The tour, lesson by lesson\n";
  for (const auto& line : learnt) {
    out += line + "\n";
  }
  say(out);
  return kExitOk;
}

// q at lesson `at`: on its end screen (all of it seen) the tour resumes with the next lesson,
// anywhere else with this one.
int Commands::stop_tour(const std::filesystem::path& position_file, std::size_t at,
                        bool after_end) const {
  const std::string name(lessons_[at]->name());
  if (after_end && at + 1 == lessons_.size()) {
    lessons::clear_tour_position(position_file);
    std::fprintf(stderr, "conc-lab: tour stopped at your request (q) after its last lesson\n");
    return kExitOk;
  }
  const std::string next = after_end ? std::string(lessons_[at + 1]->name()) : name;
  if (auto warning = lessons::save_tour_position(position_file, next, name)) {
    std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
  }
  std::fprintf(stderr, "conc-lab: tour stopped at your request (q); continue with: %s\n",
               report::command_hint("tour --from " + next).c_str());
  return kExitOk;
}

}  // namespace conc::app
