#pragma once
// The Report: everything a lesson has to say, as plain data. Lessons fill it and never print;
// renderers (text_renderer.h, json_renderer.h) turn it into a terminal page or one JSON
// document. The JSON schema is documented in README.md ("The JSON document") and versioned by
// kSchemaVersion: bump it when a key changes meaning or disappears.
//
// Presenters. A lesson fills its Report block by block, in the order the class should see
// them, and runs each experiment after the Section that explains it. A presenter
// (BlockObserver, set with Report::observe) is told of every block as it is added, so the
// interactive modes change only *when* each part is shown and *what is asked first*, never
// what a lesson says: `--step` (lessons/common/step.h) pauses at each new Section before the
// lesson goes on to run that section's experiment and shows what was added since the last
// pause; `--predict` asks its question before the experiment. Rendering stays here:
// render_blocks (text_renderer.h) renders any range of order() at the current width, so a
// presenter shows a part as the full page would. Without an observer nothing changes: add()
// appends and returns. An observer may throw out of add() (the step presenter's skip, rerun
// and quit travel that way to the lesson's LessonContext::part); the block is then already
// in the Report.

#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "report/stats.h"

namespace conc::report {

inline constexpr int kSchemaVersion = 1;

// A table cell or a fact's value: text, an integer or a real number.
using Value = std::variant<std::string, std::int64_t, double>;

// One fact about the machine or the run (for the environment footer and `conc-lab info`).
struct Fact {
  std::string key;    // stable, snake_case: the JSON key
  std::string label;  // for people
  Value value;
  std::string unit;  // "" when the value carries its own meaning
};

// Explanatory text: what the claim says, how the experiment works, what the numbers mean.
struct Section {
  std::string title;
  std::string text;  // paragraphs separated by blank lines; pre-formatted art kept as is
};

// One measured figure: the summary of `stats.n` repetitions, and how it was obtained.
struct Measurement {
  std::string id;  // stable, snake_case
  std::string label;
  std::string unit;  // "ns", "us", "ms", "B", "1/s", "%", "" ...
  Stats stats;
  std::string method;   // how it was measured, in one or two sentences
  bool trusted = true;  // false when a sanity check failed (see caveat)
  std::string caveat;
};

struct Table {
  std::string id;
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::string note;
};

struct Bar {
  std::string label;
  double value = 0;
  std::string annotation;  // printed after the bar, e.g. "1.2 µs"
};

struct BarChart {
  std::string id;
  std::string title;
  std::string unit;
  bool log_scale = false;
  std::vector<Bar> bars;
};

// Rows of equal-width cells, one character per time bucket (e.g. the CPU a task ran on).
struct Timeline {
  std::string id;
  std::string title;
  double bucket_ms = 0;
  std::vector<std::string> row_labels;
  std::vector<std::string> rows;  // each the same length; one char per bucket
  std::string legend;
};

// not_judged ("could not judge"): this run could not decide (a disturbed baseline, a figure
// that was not measured here); its `because` says why. Never a way around a hard call.
enum class Verdict { confirmed, nuanced, contradicted, not_judged };
const char* to_string(Verdict v);

// What this run says about one claim of the notes. Built by a pure function from this run's
// numbers; `threshold` states the rule that decided it.
struct ClaimVerdict {
  std::string claim;  // "C15"
  Verdict verdict = Verdict::nuanced;
  std::string because;
  std::string threshold;
};

// The order in which the text renderer shows the blocks a lesson added.
struct BlockRef {
  enum class Kind { section, measurement, table, chart, timeline, verdict, warning } kind;
  std::size_t index;
};

class Report;

// Told of each block right after Report::add appended it (see the top of this file).
class BlockObserver {
 public:
  virtual ~BlockObserver() = default;
  // `position` is the block's index in report.order().
  virtual void block_added(const Report& report, std::size_t position) = 0;
};

class Report {
 public:
  Report(std::string lesson_name, std::string lesson_title)
      : lesson(std::move(lesson_name)), title(std::move(lesson_title)) {}

  std::string lesson;
  std::string title;
  bool quick = false;
  std::vector<Fact> env;

  std::deque<Section> sections;
  std::deque<Measurement> measurements;
  std::deque<Table> tables;
  std::deque<BarChart> charts;
  std::deque<Timeline> timelines;
  std::deque<ClaimVerdict> verdicts;
  std::deque<std::string> warnings;  // limits hit, noisy machine, untrusted figures

  // Appending through these keeps `order()` in step with the containers. They are deques so
  // that the reference each add() returns stays valid while more blocks are added.
  Section& add(Section s);
  Measurement& add(Measurement m);
  Table& add(Table t);
  BarChart& add(BarChart c);
  Timeline& add(Timeline t);
  ClaimVerdict& add(ClaimVerdict v);
  void warn(std::string text);

  const std::vector<BlockRef>& order() const { return order_; }
  const Measurement* find_measurement(std::string_view id) const;

  // The presenter told of every block from now on; nullptr: none (the default).
  void observe(BlockObserver* observer) { observer_ = observer; }
  // Removes the blocks added after the first `count` (a rerun replaces its first run, so a
  // figure is never reported twice). Only the newest blocks can go: they are at the back of
  // their containers.
  void truncate(std::size_t count);

 private:
  void added();
  std::vector<BlockRef> order_;
  BlockObserver* observer_ = nullptr;
};

}  // namespace conc::report
