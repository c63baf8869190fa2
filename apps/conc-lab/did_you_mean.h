#pragma once
// "did you mean 'thread'?" for a mistyped lesson or command name.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conc::app {

// The closest candidate within a small edit distance (or sharing a prefix), if any.
std::optional<std::string> closest_name(std::string_view typed,
                                        const std::vector<std::string>& candidates);

}  // namespace conc::app
