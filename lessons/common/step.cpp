#include "lessons/common/step.h"

#include <algorithm>
#include <sstream>

#include "report/text_layout.h"

namespace conc::lessons {

namespace {

constexpr const char* kPrompt = "── Enter: next · r: rerun · s: skip · q: quit ";
constexpr const char* kEndPrompt = "── End of the lesson. Enter: go on · q: quit ";
constexpr const char* kMore = "-- more (Enter) --";

// "\nNext experiment: what\n", wrapped to the screen's width.
std::string announce(const std::string& lead, const std::string& what, int width) {
  std::string text = "\n";
  for (const auto& line :
       report::wrap_words(lead + what, static_cast<std::size_t>(std::max(width, 20)))) {
    text += line + "\n";
  }
  return text;
}

}  // namespace

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

void StepPresenter::start_screen() {
  if (io_.clear_terminal && !input_ended_) {
    io_.clear_terminal();
  }
}

void StepPresenter::show(const std::string& text) {
  const auto lines = split_lines(text);
  const auto page = static_cast<std::size_t>(io_.page_lines);
  std::string out;
  std::size_t on_page = 0;
  start_screen();
  for (const auto& line : lines) {
    if (page > 0 && on_page == page && !input_ended_) {
      io_.write(out);
      out.clear();
      on_page = 0;
      if (wait(kMore) == StepKey::quit) {
        throw StepQuit{};
      }
      start_screen();
    }
    out += line + "\n";
    ++on_page;
  }
  io_.write(out);
}

StepKey StepPresenter::wait(const std::string& prompt) {
  if (input_ended_) {
    return StepKey::next;
  }
  if (before_wait_) {
    before_wait_();
  }
  const auto key = io_.read_key(prompt);
  if (after_wait_) {
    after_wait_();
  }
  if (!key) {
    input_ended_ = true;
    io_.write("(no more input: the lesson goes on without pausing)\n");
    return StepKey::next;
  }
  return *key;
}

StepKey StepPresenter::pause(const report::Report& report, std::size_t upto, Moment moment,
                             const std::string& extra) {
  std::string text;
  if (!title_shown_) {
    text += preamble_ + report::render_title_text(report, style_);
    title_shown_ = true;
  }
  text += report::render_blocks(report, shown_, upto, style_) + extra;
  shown_ = upto;
  show(text);
  ++pauses_;
  for (;;) {
    const StepKey key = wait(moment == Moment::end ? kEndPrompt : kPrompt);
    if (key == StepKey::quit) {
      throw StepQuit{moment == Moment::end};
    }
    if (key == StepKey::next || moment == Moment::end) {
      return StepKey::next;
    }
    if (key == StepKey::skip && moment == Moment::before_experiment && part_opening_) {
      return key;
    }
    if (key == StepKey::rerun && moment == Moment::after_part) {
      return key;
    }
    if (key == StepKey::skip) {
      io_.write(moment == Moment::after_part
                    ? "s skips an experiment before it runs: press it at the next section.\n"
                    : "s: this section has no experiment of its own that can be skipped.\n");
    } else if (moment == Moment::before_experiment && part_opening_) {
      io_.write("r runs an experiment again once it has run: Enter runs it.\n");
    } else {
      io_.write(parts_seen_ > 0
                    ? "r: nothing here can be run again (r works once an experiment has run).\n"
                    : "r: nothing here can be run again (this lesson marks no part to rerun).\n");
    }
  }
}

void StepPresenter::block_added(const report::Report& report, std::size_t position) {
  if (report.order()[position].kind != report::BlockRef::Kind::section) {
    return;
  }
  const bool opening = part_opening_;
  if (in_part_ && !opening) {
    return;  // shown with the part's results
  }
  if (rerunning_ && opening) {
    // The user asked for the rerun at the last pause: show its section and run it.
    rerunning_ = false;
    part_opening_ = false;
    show(report::render_blocks(report, shown_, position + 1, style_));
    shown_ = position + 1;
    return;
  }
  const StepKey key = pause(report, position + 1, Moment::before_experiment);
  part_opening_ = false;
  if (key == StepKey::skip && opening) {
    in_part_ = false;
    throw StepSkip{};
  }
}

void StepPresenter::part_begins(const report::Report& report, const std::string& what) {
  part_opening_ = true;
  in_part_ = true;
  if (what.empty()) {
    return;  // the part's first section opens it
  }
  const std::size_t upto = report.order().size();
  if (rerunning_) {
    rerunning_ = false;
    part_opening_ = false;
    show(report::render_blocks(report, shown_, upto, style_) +
         announce("Running again: ", what, style_.width));
    shown_ = upto;
    return;
  }
  const StepKey key = pause(report, upto, Moment::before_experiment,
                            announce("Next experiment: ", what, style_.width));
  part_opening_ = false;
  if (key == StepKey::skip) {
    in_part_ = false;
    throw StepSkip{};
  }
}

bool StepPresenter::part_done(const report::Report& report) {
  part_opening_ = false;
  in_part_ = false;
  ++parts_seen_;
  return pause(report, report.order().size(), Moment::after_part) == StepKey::rerun;
}

void StepPresenter::rerun_from(std::size_t start) {
  shown_ = std::min(shown_, start);
  rerunning_ = true;
  part_opening_ = true;
}

void StepPresenter::finish(const report::Report& report) {
  pause(report, report.order().size(), Moment::end, report::render_ending(report, style_));
}

}  // namespace conc::lessons
