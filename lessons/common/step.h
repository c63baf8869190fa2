#pragma once
// --step: the lesson's sections one at a time, for a teacher who talks over each table.
//
// The StepPresenter is the Report's observer (report.h, "Presenters"). When the lesson adds a
// Section it shows what was added since the last pause, that section included, and waits
// before the lesson goes on to run the section's experiment: so the class watches each
// experiment happen. Enter goes on, `q` ends the lesson cleanly (StepQuit: the app exits 0).
//
// Skip and rerun need the lesson's help, honestly given: a lesson marks an experiment that can
// be skipped or run again with LessonContext::part. At the pause on the section that opens a
// part, `s` skips it (StepSkip is thrown out of Report::add and caught by part(), which notes
// the skip in the Report); when a part has run, the presenter pauses on its results and `r`
// runs it again (its first run's blocks are removed, so no figure is reported twice). Where
// a lesson marks no part, `r` and `s` say so in one line and the pause goes on waiting.
//
// Input and output are given (StepIo), so tests script the keys; the app reads the terminal
// (apps/conc-lab/step_keys.h). After the input ends, no pause waits again.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "report/report.h"
#include "report/text_renderer.h"

namespace conc::lessons {

// Thrown by the presenter; not std::exceptions, so that a lesson's own `catch (const
// std::exception&)` lets them through to LessonContext::part or the app.
struct StepQuit {
  // q came at the lesson's last pause, once all of it had been shown: a tour resumes with the
  // next lesson rather than this one.
  bool after_end = false;
};
struct StepSkip {};

enum class StepKey { next, rerun, skip, quit };

struct StepIo {
  // Shows `prompt` and waits for one key; nullopt when the input has ended.
  std::function<std::optional<StepKey>(const std::string& prompt)> read_key;
  std::function<void(const std::string&)> write;
  // Lines per page: a pause taller than this is shown in pages ("-- more (Enter) --") that
  // leave a line for the prompt. 0: never paged (the input is not a terminal).
  int page_lines = 0;
  // Clears the screen before each screen (pause, page); empty when stdout is not a terminal:
  // a pipe or a file gets the screens one after the other.
  std::function<void()> clear_terminal;
};

class StepPresenter : public report::BlockObserver {
 public:
  StepPresenter(StepIo io, report::TextStyle style)
      : io_(std::move(io)), style_(std::move(style)) {}

  void block_added(const report::Report& report, std::size_t position) override;

  // For LessonContext::part: a part begins (it may be skipped before it runs); it ended
  // (pauses on its results; true when the user asked to run it again); it runs again from
  // block `start` (already truncated: its opening section is shown without a second pause).
  // With `what` (LessonContext::part's line) the pause before the experiment comes now, on
  // that line; without, at the part's first section. Throws StepSkip on s.
  void part_begins(const report::Report& report, const std::string& what = "");
  bool part_done(const report::Report& report);
  // The part was left without ending (skipped, or an exception went through it).
  void part_left() {
    in_part_ = false;
    part_opening_ = false;
  }
  void rerun_from(std::size_t start);
  // The lesson has run: the blocks not yet shown, the footer, and a last pause.
  void finish(const report::Report& report);
  // How many pauses waited for a key (for tests and the tour's summary).
  int pauses() const { return pauses_; }
  void set_next_lesson(std::string name) { style_.next_lesson = std::move(name); }
  // Called around each wait for a key: the lesson's progress line (a thread redrawing stderr)
  // is held so that it does not write over the prompt, and resumed after. Empty: none.
  void set_wait_hooks(std::function<void()> before, std::function<void()> after) {
    before_wait_ = std::move(before);
    after_wait_ = std::move(after);
  }
  // Lines shown above the lesson's title on its first screen (the tour's chapter header and
  // what the previous lesson showed), so that clearing the screen does not hide them.
  void set_preamble(std::string text) { preamble_ = std::move(text); }

 private:
  enum class Moment { before_experiment, after_part, end };
  // Shows blocks [shown_, upto) and waits; returns the key that ended the pause.
  StepKey pause(const report::Report& report, std::size_t upto, Moment moment,
                const std::string& extra = "");
  // Shows `text` as a new screen (cleared first on a terminal), in pages when it is taller.
  void show(const std::string& text);
  void start_screen();
  StepKey wait(const std::string& prompt);

  StepIo io_;
  report::TextStyle style_;
  std::string preamble_;
  std::function<void()> before_wait_;
  std::function<void()> after_wait_;
  std::size_t shown_ = 0;
  bool title_shown_ = false;
  bool part_opening_ = false;
  // Inside a part, past its opening pause: its later sections (written from its results) are
  // shown at the pause after it, with its tables, rather than one pause each.
  bool in_part_ = false;
  bool rerunning_ = false;
  bool input_ended_ = false;
  int pauses_ = 0;
  int parts_seen_ = 0;  // parts that have run: r has a meaning in this lesson
};

// Lines of `text` (without the final newline's empty line).
std::vector<std::string> split_lines(const std::string& text);

}  // namespace conc::lessons
