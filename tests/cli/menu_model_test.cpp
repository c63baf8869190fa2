// The menu's model without a terminal: rows grouped by the notes' chapters, each lesson's state
// from a canned ledger, and what keys do.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "lessons/common/chapters.h"
#include "lessons/common/lesson.h"
#include "menu_model.h"

using namespace conc::app;
using conc::report::ClaimVerdict;
using conc::report::Report;
using conc::report::Verdict;
using conc::report::VerdictStore;

namespace {

const std::vector<conc::lessons::Chapter> kChapters = {
    {"First chapter", {"alpha", "beta"}},
    {"Second chapter", {"gamma"}},
};

std::vector<MenuLesson> three_lessons() {
  return {{"alpha", "Alpha's title", {"C1", "C2"}},
          {"beta", "Beta's title", {"C3"}},
          {"gamma", "Gamma's title", {"C4", "C5"}}};
}

// A ledger in memory: alpha run in full (one claim confirmed, one nuanced), beta run quick only.
VerdictStore canned_ledger() {
  VerdictStore store("/nonexistent/verdicts.json");
  Report alpha("alpha", "t");
  alpha.add(ClaimVerdict{"C1", Verdict::confirmed, "b", "r"});
  alpha.add(ClaimVerdict{"C2", Verdict::nuanced, "b", "r"});
  store.record(alpha, "2026-12-01T10:00:00Z");
  Report beta("beta", "t");
  beta.quick = true;
  beta.add(ClaimVerdict{"C3", Verdict::contradicted, "b", "r"});
  store.record(beta, "2026-12-01T10:05:00Z");
  return store;
}

const MenuRow& selected_row(const MenuModel& m) {
  return m.rows().at(static_cast<std::size_t>(m.selected()));
}

MenuAction press(MenuModel& m, MenuKey key, int digit = 0) {
  return m.press(KeyPress{key, digit});
}

}  // namespace

TEST_SUITE("menu model") {
  TEST_CASE("rows: the tour, the quick toggle, then each chapter's title and its lessons") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{true, true});
    std::vector<std::string> texts;
    for (const auto& row : m.rows()) {
      if (row.kind != MenuRow::Kind::blank) {
        texts.push_back(row.text);
      }
    }
    const std::vector<std::string> expected = {"Continue the tour from alpha",
                                               "[ ] Quick mode (--quick)",
                                               "First chapter",
                                               " 1. alpha",
                                               " 2. beta",
                                               "Second chapter",
                                               " 3. gamma"};
    CHECK(texts == expected);
    CHECK_FALSE(m.rows()[2].selectable());  // a blank row
  }

  TEST_CASE("states come from the ledger; the tour continues from the first lesson not run") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{true, true});
    m.refresh(canned_ledger());
    std::vector<std::string> states;
    for (const auto& row : m.rows()) {
      if (row.kind == MenuRow::Kind::lesson) {
        states.push_back(row.state);
      }
    }
    CHECK(states == std::vector<std::string>{"run · 1 confirmed, 1 nuanced",
                                             "run · 1 contradicted (quick)", "not run"});
    CHECK(m.tour_start() == "gamma");
    CHECK(m.rows()[0].text == "Continue the tour from gamma");
    // The first refresh selects the first lesson not run.
    CHECK(selected_row(m).text == " 3. gamma");
    CHECK(m.status() == "Gamma's title");
  }

  TEST_CASE("state text: not run, counts in a fixed order, quick marked") {
    CHECK(state_text(LessonState{}) == "not run");
    CHECK(state_text(LessonState{4, 1, 0, 0, false}) == "run · 4 confirmed, 1 nuanced");
    CHECK(state_text(LessonState{0, 0, 1, 2, true}) ==
          "run · 1 contradicted, 2 not judged (quick)");
  }

  TEST_CASE("arrow keys skip chapter titles and blank rows and stop at the ends") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{true, true});
    m.refresh(VerdictStore("/nonexistent/verdicts.json"));
    CHECK(selected_row(m).text == " 1. alpha");
    press(m, MenuKey::down);
    CHECK(selected_row(m).text == " 2. beta");
    press(m, MenuKey::down);
    CHECK(selected_row(m).text == " 3. gamma");
    press(m, MenuKey::down);
    CHECK(selected_row(m).text == " 3. gamma");
    press(m, MenuKey::home);
    CHECK(selected_row(m).kind == MenuRow::Kind::tour);
    press(m, MenuKey::up);
    CHECK(selected_row(m).kind == MenuRow::Kind::tour);
    press(m, MenuKey::down);
    press(m, MenuKey::down);
    CHECK(selected_row(m).text == " 1. alpha");
    press(m, MenuKey::end);
    CHECK(selected_row(m).text == " 3. gamma");
  }

  TEST_CASE("numbers pick a lesson, two digits reach lesson 10 and up") {
    std::vector<MenuLesson> many;
    std::vector<std::string_view> names;
    static std::vector<std::string> storage;
    storage.clear();
    for (int i = 1; i <= 12; ++i) {
      storage.push_back("l" + std::to_string(i));
    }
    for (const auto& s : storage) {
      many.push_back({s, "title " + s, {}});
      names.push_back(s);
    }
    MenuModel m(many, {{"All", names}}, MenuFeatures{});
    press(m, MenuKey::digit, 3);
    CHECK(selected_row(m).text == " 3. l3");
    press(m, MenuKey::digit, 1);  // 31 is past the end: a fresh 1
    CHECK(selected_row(m).text == " 1. l1");
    press(m, MenuKey::digit, 2);  // 12
    CHECK(selected_row(m).text == "12. l12");
    press(m, MenuKey::down);
    press(m, MenuKey::digit, 0);  // a lone 0 picks nothing
    CHECK(selected_row(m).text == "12. l12");
  }

  TEST_CASE("Enter: a lesson runs as `lesson NAME`, with --quick once the toggle is on") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{true, true});
    m.refresh(canned_ledger());
    press(m, MenuKey::digit, 2);
    auto a = press(m, MenuKey::enter);
    CHECK(a.kind == MenuAction::Kind::run);
    CHECK(a.args == std::vector<std::string>{"lesson", "beta"});
    press(m, MenuKey::home);
    press(m, MenuKey::down);
    CHECK(selected_row(m).kind == MenuRow::Kind::quick_toggle);
    CHECK(press(m, MenuKey::enter).kind == MenuAction::Kind::none);
    CHECK(m.quick());
    CHECK(selected_row(m).text == "[x] Quick mode (--quick)");
    press(m, MenuKey::digit, 1);
    a = press(m, MenuKey::enter);
    CHECK(a.args == std::vector<std::string>{"lesson", "alpha", "--quick"});
    press(m, MenuKey::home);
    a = press(m, MenuKey::enter);
    CHECK(a.kind == MenuAction::Kind::run);
    CHECK(a.args == std::vector<std::string>{"tour", "--from", "gamma", "--quick"});
    CHECK(press(m, MenuKey::quit).kind == MenuAction::Kind::quit);
    CHECK(press(m, MenuKey::other).kind == MenuAction::Kind::none);
  }

  TEST_CASE("a build without the tour says so and Enter on it does nothing") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{false, false});
    m.refresh(canned_ledger());
    press(m, MenuKey::home);
    CHECK(m.rows()[0].text == "Continue the tour (not in this build)");
    CHECK(m.status().find("no tour command") != std::string::npos);
    CHECK(press(m, MenuKey::enter).kind == MenuAction::Kind::none);
  }

  TEST_CASE("the window scrolls so that the selected row shows") {
    MenuModel m(three_lessons(), kChapters, MenuFeatures{});
    m.refresh(VerdictStore("/nonexistent/verdicts.json"));
    const int rows = static_cast<int>(m.rows().size());
    CHECK(m.first_visible(rows) == 0);
    press(m, MenuKey::end);
    const int height = 4;
    const int top = m.first_visible(height);
    CHECK(top <= m.selected());
    CHECK(m.selected() < top + height);
    press(m, MenuKey::home);
    CHECK(m.first_visible(height) == 0);
  }

  TEST_CASE("every lesson of the syllabus is in exactly one chapter, in the notes' order") {
    std::vector<std::string> in_chapters;
    for (const auto& c : conc::lessons::chapters()) {
      for (auto l : c.lessons) {
        in_chapters.emplace_back(l);
      }
    }
    std::vector<std::string> syllabus;
    for (const auto& l : conc::lessons::all_lessons()) {
      syllabus.emplace_back(l->name());
    }
    CHECK(in_chapters == syllabus);
  }
}
