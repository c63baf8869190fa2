#pragma once
// A live progress line on stderr while an experiment runs: what it is doing, the time so far,
// and, when the experiment knows its steps, a bar and the time left at the pace so far.
//
// Only for a person watching: the app creates one only when stderr is a terminal and the
// output is not JSON (wanted()), so a pipe, a CI log or `--json` never sees it. It shares the
// terminal with the Report, which is printed on stdout only after the lesson has finished and
// the line has been cleared, so the two never mix.
//
// Invariants:
// - One background thread redraws the line about ten times a second. It sleeps on a condition
//   variable between redraws (never spins), so it costs the measured experiment a wake-up per
//   100 ms and nothing else.
// - Nothing is drawn during the first kShowAfter of an experiment: short steps never flicker.
// - The line is cleared (carriage return, erase to end of line) by clear(), by the next
//   start(), and by the destructor, which also joins the thread; a lesson unwinding after
//   Ctrl-C passes through the destructor, so the thread stops with it.
// - A drawn line is at most the terminal's width minus three columns, so it never wraps, not
//   even with the terminal's "^C" echoed after it.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace conc::report {

// What the line says, as a pure function (tested on its own). `frame` turns the spinner;
// `done`/`total` draw a bar when total > 0.
struct ProgressState {
  std::string what;
  long long done = 0;
  long long total = 0;
};
std::string progress_text(const ProgressState& state, double elapsed_s, int width, int frame);
// "4.2 s", "1 min 05 s".
std::string progress_duration(double seconds);

class ProgressLine {
 public:
  // The delay before anything is drawn, and the redraw period.
  static constexpr std::chrono::milliseconds kShowAfter{500};
  static constexpr std::chrono::milliseconds kRedraw{100};

  // Draws on `fd`, which should be a terminal (see wanted()).
  explicit ProgressLine(int fd);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // A new experiment: clears the previous line and restarts the clock.
  void start(std::string what);
  // `done` of `total` steps of the current experiment are finished.
  void step(long long done, long long total);
  // Erases the line now; nothing is drawn until the next start().
  void clear();
  // Erases the line and draws nothing while someone else owns the terminal (a --step pause
  // waits for a key); resume() draws the same experiment again, its clock less the hold.
  void hold();
  void resume();

  // Whether to show progress on `fd` at all: it is a terminal and the output is not JSON.
  static bool wanted(int fd, bool json);

 private:
  void run();
  void draw_locked();
  void erase_locked();

  int fd_;
  std::mutex mu_;
  std::condition_variable wake_;
  ProgressState state_;
  bool active_ = false;
  bool held_ = false;  // active when hold() came
  bool drawn_ = false;
  bool stop_ = false;
  int frame_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point held_at_;
  std::thread thread_;
};

}  // namespace conc::report
