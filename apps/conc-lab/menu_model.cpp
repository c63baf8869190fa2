#include "menu_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "report/command_hint.h"

namespace conc::app {

namespace {

constexpr int kDecimalBase = 10;

}  // namespace

LessonState lesson_state(const MenuLesson& lesson, const report::VerdictStore& store) {
  LessonState s;
  bool any_full = false;
  for (const auto& claim : lesson.claims) {
    const auto v = store.latest(claim, lesson.name);
    if (!v) {
      continue;
    }
    any_full = any_full || !v->quick;
    if (v->verdict == "confirmed") {
      ++s.confirmed;
    } else if (v->verdict == "nuanced") {
      ++s.nuanced;
    } else if (v->verdict == "contradicted") {
      ++s.contradicted;
    } else {
      ++s.not_judged;
    }
  }
  s.quick_only = s.run() && !any_full;
  return s;
}

std::string state_text(const LessonState& state) {
  if (!state.run()) {
    return "not run";
  }
  std::string counts;
  const std::pair<int, const char*> parts[] = {{state.confirmed, "confirmed"},
                                               {state.nuanced, "nuanced"},
                                               {state.contradicted, "contradicted"},
                                               {state.not_judged, "not judged"}};
  for (const auto& [n, word] : parts) {
    if (n > 0) {
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, word);
    }
  }
  return "run · " + counts + (state.quick_only ? " (quick)" : "");
}

MenuModel::MenuModel(std::vector<MenuLesson> lessons, const std::vector<lessons::Chapter>& chapters,
                     MenuFeatures features)
    : lessons_(std::move(lessons)), states_(lessons_.size()), features_(features) {
  build_rows(chapters);
  tour_start_ = lessons_.empty() ? "" : lessons_.front().name;
  update_fixed_rows();
}

void MenuModel::build_rows(const std::vector<lessons::Chapter>& chapters) {
  rows_.push_back({MenuRow::Kind::tour, "", "", -1});
  rows_.push_back({MenuRow::Kind::quick_toggle, "", "", -1});
  std::vector<bool> placed(lessons_.size(), false);
  auto add_lesson = [&](std::size_t i) {
    rows_.push_back({MenuRow::Kind::lesson, fmt::format("{:>2}. {}", i + 1, lessons_[i].name), "",
                     static_cast<int>(i)});
    placed[i] = true;
  };
  for (const auto& chapter : chapters) {
    rows_.push_back({MenuRow::Kind::blank, "", "", -1});
    rows_.push_back({MenuRow::Kind::chapter, std::string(chapter.title), "", -1});
    for (const auto name : chapter.lessons) {
      for (std::size_t i = 0; i < lessons_.size(); ++i) {
        if (lessons_[i].name == name && !placed[i]) {
          add_lesson(i);
        }
      }
    }
  }
  // A lesson no chapter names still shows (the chapters test keeps this list empty).
  bool other_header = false;
  for (std::size_t i = 0; i < lessons_.size(); ++i) {
    if (!placed[i]) {
      if (!other_header) {
        rows_.push_back({MenuRow::Kind::blank, "", "", -1});
        rows_.push_back({MenuRow::Kind::chapter, "Other lessons", "", -1});
        other_header = true;
      }
      add_lesson(i);
    }
  }
}

void MenuModel::update_fixed_rows() {
  for (auto& row : rows_) {
    if (row.kind == MenuRow::Kind::tour) {
      row.text = features_.tour ? "Continue the tour from " + tour_start_
                                : "Continue the tour (not in this build)";
    } else if (row.kind == MenuRow::Kind::quick_toggle) {
      row.text = std::string(quick_ ? "[x]" : "[ ]") + " Quick mode (--quick)";
    } else if (row.kind == MenuRow::Kind::lesson) {
      row.state = state_text(states_[static_cast<std::size_t>(row.lesson)]);
    }
  }
}

void MenuModel::refresh(const report::VerdictStore& store) {
  for (std::size_t i = 0; i < lessons_.size(); ++i) {
    states_[i] = lesson_state(lessons_[i], store);
  }
  tour_start_ = lessons_.empty() ? "" : lessons_.front().name;
  int first_not_run = -1;
  for (std::size_t i = 0; i < lessons_.size(); ++i) {
    if (!states_[i].run()) {
      tour_start_ = lessons_[i].name;
      first_not_run = static_cast<int>(i);
      break;
    }
  }
  update_fixed_rows();
  if (!refreshed_) {
    refreshed_ = true;
    select_lesson(first_not_run >= 0 ? first_not_run + 1 : 1);
  }
}

void MenuModel::move(int delta) {
  const int n = static_cast<int>(rows_.size());
  const int step = delta > 0 ? 1 : -1;
  int target = selected_;
  for (int moved = 0, i = selected_ + step; i >= 0 && i < n && moved < std::abs(delta); i += step) {
    if (rows_[static_cast<std::size_t>(i)].selectable()) {
      target = i;
      ++moved;
    }
  }
  selected_ = target;
}

void MenuModel::select_lesson(int number) {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].kind == MenuRow::Kind::lesson && rows_[i].lesson == number - 1) {
      selected_ = static_cast<int>(i);
    }
  }
}

MenuAction MenuModel::choose() {
  const MenuRow& row = rows_.at(static_cast<std::size_t>(selected_));
  MenuAction action;
  switch (row.kind) {
    case MenuRow::Kind::lesson:
      action.kind = MenuAction::Kind::run;
      action.args = {"lesson", lessons_.at(static_cast<std::size_t>(row.lesson)).name};
      if (quick_) {
        action.args.emplace_back("--quick");
      }
      break;
    case MenuRow::Kind::tour:
      if (features_.tour) {
        action.kind = MenuAction::Kind::run;
        action.args = {"tour", "--from", tour_start_};
        if (quick_ && features_.tour_quick) {
          action.args.emplace_back("--quick");
        }
      }
      break;
    case MenuRow::Kind::quick_toggle:
      quick_ = !quick_;
      update_fixed_rows();
      break;
    default:
      break;
  }
  return action;
}

MenuAction MenuModel::press(KeyPress key) {
  if (key.key != MenuKey::digit) {
    typed_number_ = 0;
  }
  switch (key.key) {
    case MenuKey::up:
      move(-1);
      break;
    case MenuKey::down:
      move(1);
      break;
    case MenuKey::page_up:
      move(-kPageRows);
      break;
    case MenuKey::page_down:
      move(kPageRows);
      break;
    case MenuKey::home:
      move(-static_cast<int>(rows_.size()));
      break;
    case MenuKey::end:
      move(static_cast<int>(rows_.size()));
      break;
    case MenuKey::digit: {
      // "1" then "4" reaches lesson 14; a digit that would overshoot starts a new number.
      const int extended = typed_number_ * kDecimalBase + key.digit;
      typed_number_ =
          extended >= 1 && extended <= static_cast<int>(lessons_.size()) ? extended : key.digit;
      select_lesson(typed_number_);
      break;
    }
    case MenuKey::enter:
      return choose();
    case MenuKey::quit:
      return {MenuAction::Kind::quit, {}};
    case MenuKey::other:
      break;
  }
  return {};
}

std::string MenuModel::status() const {
  const MenuRow& row = rows_.at(static_cast<std::size_t>(selected_));
  switch (row.kind) {
    case MenuRow::Kind::lesson:
      return lessons_.at(static_cast<std::size_t>(row.lesson)).title;
    case MenuRow::Kind::tour:
      return features_.tour ? "Every lesson from " + tour_start_ + " on, in the notes' order"
                            : "This build has no tour command: run the lessons one by one";
    case MenuRow::Kind::quick_toggle:
      return "Smaller, faster runs: lessons started from here get --quick";
    default:
      return "";
  }
}

int MenuModel::first_visible(int height) const {
  const int rows = static_cast<int>(rows_.size());
  if (height <= 0 || rows <= height || selected_ < height - 1) {
    return 0;
  }
  // The selected row one above the bottom, so the next one shows too.
  return std::min(selected_ - height + 2, rows - height);
}

}  // namespace conc::app
