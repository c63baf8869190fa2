#pragma once
// The chapters of the lecture notes, in their order, and the lessons that teach each. The
// notes have no numbered headings; a chapter here is one of their questions ("What is a
// process?", "Why is concurrency hard?") with the lessons that answer it. The menu groups its
// lessons by these chapters; every lesson of all_lessons() belongs to exactly one of them (a
// test checks it), in the same order.

#include <string_view>
#include <vector>

namespace conc::lessons {

struct Chapter {
  std::string_view title;
  std::vector<std::string_view> lessons;  // CLI names, in the notes' order
};

const std::vector<Chapter>& chapters();

}  // namespace conc::lessons
