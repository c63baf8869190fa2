#pragma once
// --predict at the terminal: the question on stderr, one line of answer from stdin. Works the
// same with answers piped in (a script, a test): no raw mode, the terminal is left as it was.
// Ctrl-C while waiting ends the lesson within a poll interval.

#include <memory>

#include "lessons/common/predict.h"

namespace conc::app {

// A session whose ask() prompts on stderr and reads stdin. After end of input no one is asked
// again (the remaining questions count as skipped).
std::shared_ptr<lessons::PredictSession> terminal_predict_session();

}  // namespace conc::app
