#pragma once
// One byte from stdin for the interactive prompts (--predict, --step), waiting in short polls
// so that Ctrl-C is noticed within one (it throws os::Interrupted); nullopt at end of input or
// on a read error.

#include <optional>

namespace conc::app {

std::optional<char> read_stdin_byte();

}  // namespace conc::app
