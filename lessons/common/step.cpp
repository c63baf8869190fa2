#include "lessons/common/step.h"

#include <sstream>

namespace conc::lessons {

namespace {

constexpr const char* kPrompt = "── Enter: next · r: rerun · s: skip · q: quit ";
constexpr const char* kEndPrompt = "── End of the lesson. Enter: go on · q: quit ";
constexpr const char* kMore = "-- more (Enter) --";

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

void StepPresenter::show(const std::string& text) {
  const auto lines = split_lines(text);
  const auto page = static_cast<std::size_t>(io_.page_lines);
  std::string out;
  std::size_t on_page = 0;
  for (const auto& line : lines) {
    if (page > 0 && on_page == page && !input_ended_) {
      io_.write(out);
      out.clear();
      on_page = 0;
      if (wait(kMore) == StepKey::quit) {
        throw StepQuit{};
      }
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
  const auto key = io_.read_key(prompt);
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
    text += report::render_title_text(report, style_);
    title_shown_ = true;
  }
  text += report::render_blocks(report, shown_, upto, style_) + extra;
  shown_ = upto;
  show(text);
  ++pauses_;
  for (;;) {
    const StepKey key = wait(moment == Moment::end ? kEndPrompt : kPrompt);
    if (key == StepKey::quit) {
      throw StepQuit{};
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
    } else {
      io_.write(moment == Moment::before_experiment && part_opening_
                    ? "r runs an experiment again once it has run: Enter runs it.\n"
                    : "r: nothing here can be run again (this lesson marks no part to rerun).\n");
    }
  }
}

void StepPresenter::block_added(const report::Report& report, std::size_t position) {
  if (report.order()[position].kind != report::BlockRef::Kind::section) {
    return;
  }
  const bool opening = part_opening_;
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
    throw StepSkip{};
  }
}

bool StepPresenter::part_done(const report::Report& report) {
  part_opening_ = false;
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
