#pragma once
// --step at the terminal (lessons/common/step.h): keys read one at a time in non-canonical
// mode, without echo, only while a pause waits (the terminal's own settings are back before
// the lesson goes on, and on every way out: the key, q, Ctrl-C, SIGTERM, SIGHUP, which the
// app turns into an exception that unwinds through the guard). When stdin is not a terminal,
// one line per pause ("" or "n" next, "r", "s", "q"); at the end of input no pause waits.

#include <memory>

#include "lessons/common/step.h"
#include "report/text_renderer.h"

namespace conc::app {

// `rows` is the terminal's height (LINES, else the terminal's, else 24): pages keep a line for
// the prompt.
std::shared_ptr<lessons::StepPresenter> terminal_step_presenter(const report::TextStyle& style);

}  // namespace conc::app
