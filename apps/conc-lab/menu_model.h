#pragma once
// What the menu shows and what its keys do, apart from drawing (menu.h draws it with curses),
// so that it can be tested without a terminal.
//
// Rows, top to bottom: "continue the tour", the quick-mode toggle, then per chapter of the
// notes (lessons/common/chapters.h) its title and its lessons, numbered as `conc-lab list`
// numbers them, each with its state from the verdict ledger ("not run", or "run · 4
// confirmed, 1 nuanced"). Keys move the selection over the rows that can be chosen (chapter
// titles and blank rows cannot); a number selects that lesson; Enter chooses. Choosing a
// lesson or the tour yields the command line to run (as a child process: menu.h); the toggle
// and the tour entry of a build without `tour` act in place.

#include <string>
#include <vector>

#include "lessons/common/chapters.h"
#include "report/verdict_store.h"

namespace conc::app {

struct MenuLesson {
  std::string name;
  std::string title;
  std::vector<std::string> claims;
};

// A lesson's latest verdicts in the ledger, counted (one per claim: the full run's when there
// is one, else the quick run's).
struct LessonState {
  int confirmed = 0;
  int nuanced = 0;
  int contradicted = 0;
  int not_judged = 0;
  bool quick_only = false;  // every counted verdict came from a --quick run
  bool run() const { return confirmed + nuanced + contradicted + not_judged > 0; }
};
LessonState lesson_state(const MenuLesson& lesson, const report::VerdictStore& store);
// "not run", or "run · 4 confirmed, 1 nuanced" (" (quick)" when quick_only).
std::string state_text(const LessonState& state);

struct MenuRow {
  enum class Kind { tour, quick_toggle, blank, chapter, lesson };
  Kind kind = Kind::blank;
  std::string text;   // what the row says (for a lesson: " 6. stack")
  std::string state;  // a lesson's state_text; "" for the other rows
  int lesson = -1;    // index into the lessons, for a lesson row
  bool selectable() const { return kind != Kind::blank && kind != Kind::chapter; }
};

// Keys, as the drawing layer translates them from the terminal's.
enum class MenuKey { up, down, home, end, page_up, page_down, enter, quit, digit, other };
struct KeyPress {
  MenuKey key = MenuKey::other;
  int digit = 0;  // 0..9 for MenuKey::digit
};

struct MenuAction {
  enum class Kind { none, run, quit };
  Kind kind = Kind::none;
  std::vector<std::string> args;  // for run: the command line after the program's name
};

struct MenuFeatures {
  bool tour = false;        // this build has `conc-lab tour`
  bool tour_quick = false;  // ... and it takes --quick
};

class MenuModel {
 public:
  // How many rows page_up/page_down move.
  static constexpr int kPageRows = 10;

  MenuModel(std::vector<MenuLesson> lessons, const std::vector<lessons::Chapter>& chapters,
            MenuFeatures features);

  // Reads each lesson's state from the ledger, and re-aims the tour. The first call also
  // selects the first lesson not run yet.
  void refresh(const report::VerdictStore& store);

  MenuAction press(KeyPress key);

  const std::vector<MenuRow>& rows() const { return rows_; }
  int selected() const { return selected_; }
  bool quick() const { return quick_; }
  int lesson_count() const { return static_cast<int>(lessons_.size()); }
  // The lesson the tour continues from: the first in the notes' order not run yet, or the
  // first of all when every lesson has been run.
  const std::string& tour_start() const { return tour_start_; }
  // One line about the selected row (a lesson's title, what the tour entry does).
  std::string status() const;
  // The first row to draw in a window of `height` rows so that the selected row shows.
  int first_visible(int height) const;

 private:
  void build_rows(const std::vector<lessons::Chapter>& chapters);
  void update_fixed_rows();
  void move(int delta);
  void select_lesson(int number);
  MenuAction choose();

  std::vector<MenuLesson> lessons_;
  std::vector<LessonState> states_;
  MenuFeatures features_;
  std::vector<MenuRow> rows_;
  int selected_ = 0;
  bool quick_ = false;
  bool refreshed_ = false;
  int typed_number_ = 0;  // digits typed so far, to reach lessons 10 and up
  std::string tour_start_;
};

}  // namespace conc::app
