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
struct StepQuit {};
struct StepSkip {};

enum class StepKey { next, rerun, skip, quit };

struct StepIo {
  // Shows `prompt` and waits for one key; nullopt when the input has ended.
  std::function<std::optional<StepKey>(const std::string& prompt)> read_key;
  std::function<void(const std::string&)> write;
  // Lines per page: a pause taller than this is shown in pages ("-- more (Enter) --") that
  // leave a line for the prompt. 0: never paged (the input is not a terminal).
  int page_lines = 0;
};

class StepPresenter : public report::BlockObserver {
 public:
  StepPresenter(StepIo io, report::TextStyle style)
      : io_(std::move(io)), style_(std::move(style)) {}

  void block_added(const report::Report& report, std::size_t position) override;

  // For LessonContext::part: a part begins (its first section may be skipped); it ended
  // (pauses on its results; true when the user asked to run it again); it runs again from
  // block `start` (already truncated: its opening section is shown without a second pause).
  void part_begins() { part_opening_ = true; }
  bool part_done(const report::Report& report);
  void rerun_from(std::size_t start);
  // The lesson has run: the blocks not yet shown, the footer, and a last pause.
  void finish(const report::Report& report);
  // How many pauses waited for a key (for tests and the tour's summary).
  int pauses() const { return pauses_; }
  void set_next_lesson(std::string name) { style_.next_lesson = std::move(name); }

 private:
  enum class Moment { before_experiment, after_part, end };
  // Shows blocks [shown_, upto) and waits; returns the key that ended the pause.
  StepKey pause(const report::Report& report, std::size_t upto, Moment moment,
                const std::string& extra = "");
  void show(const std::string& text);
  StepKey wait(const std::string& prompt);

  StepIo io_;
  report::TextStyle style_;
  std::size_t shown_ = 0;
  bool title_shown_ = false;
  bool part_opening_ = false;
  bool rerunning_ = false;
  bool input_ended_ = false;
  int pauses_ = 0;
};

// Lines of `text` (without the final newline's empty line).
std::vector<std::string> split_lines(const std::string& text);

}  // namespace conc::lessons
