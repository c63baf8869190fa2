#pragma once
// A runtime report (race, deadlock) shown as the runtime printed it: every line indented, so the
// text renderer keeps it verbatim, and tabs as four spaces.

#include <sstream>
#include <string>

namespace conc::lessons {

inline std::string indented_verbatim(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t')) {
      line.replace(tab, 1, "    ");
    }
    out += "    ";
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace conc::lessons
