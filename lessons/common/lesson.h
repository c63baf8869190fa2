#pragma once
// What a lesson is, and the context it runs in.
//
// A lesson states the claims of the notes it covers, runs experiments on this machine and
// fills a Report with what it measured and the verdicts those numbers imply. It never prints:
// the app renders the Report as text or JSON, and tests inspect it directly.
//
// Adding a lesson = a folder lessons/<name>/ (the name as typed on the command line, with
// underscores) holding the Lesson subclass (lesson.cpp), its experiment parts, its verdict rules
// (verdicts.cpp, built on common/verdict_rule.h) and a CMakeLists.txt; one line in
// lessons/CMakeLists.txt and one in common/registry.cpp; tests in tests/lessons/<name>/.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lessons/common/options.h"
#include "lessons/common/predict.h"
#include "lessons/common/step.h"
#include "report/report.h"

namespace conc::os {
struct SystemInfo;
}
namespace conc::report {
class ProgressLine;
}

namespace conc::lessons {

// Options every lesson accepts (see add_common_options).
struct CommonOptions {
  bool json = false;
  bool quick = false;
  int repeat = 0;              // 0 = the lesson's own default
  int cpu = -1;                // -1 = the first allowed CPU
  bool no_color = false;       // --no-color: another name for --color=never
  bool no_wait = false;        // --no-wait: measure now even while another conc-lab measures
  std::string color = "auto";  // --color=auto|always|never (see report::want_color)
  bool brief = false;          // --brief: per claim the verdict and one line of its because
  bool explain_rules = false;  // --explain-rules: each verdict's rule under its because
  std::string html_file;       // --html FILE: the Report as a self-contained HTML handout
  std::string markdown_file;   // --markdown FILE: the same as Markdown
  // Not an option: the app sets it when stderr is a terminal and the output is not JSON
  // (report::ProgressLine::wanted).
  bool progress = false;
  bool predict = false;  // --predict: ask for a guess before each headline experiment
  // Not an option: how the app asks, and where the guesses go (predict.h). Null: no one asks.
  std::shared_ptr<PredictSession> predict_session;
  bool step = false;  // --step: one section at a time (step.h)
  // Not an option: the app's presenter for --step. Null: the lesson runs straight through.
  std::shared_ptr<StepPresenter> step_presenter;
};

// What tells that the process stood still: continues after a stop (SIGCONT) and time the
// machine spent suspended (CLOCK_BOOTTIME runs on through a suspend, CLOCK_MONOTONIC does not).
struct PauseMarks {
  unsigned continues = 0;
  long long suspended_ns = 0;
  static PauseMarks now();
};
// A suspend shorter than this is clock noise between the two clocks' reads.
inline constexpr long long kSuspendNoticedNs = 1'000'000'000;
// Why figures measured between `before` and `after` cannot be trusted; "" when they can.
std::string pause_caveat(const PauseMarks& before, const PauseMarks& after);

class LessonContext {
 public:
  LessonContext(const CommonOptions& options, report::Report& report, const os::SystemInfo& system);
  ~LessonContext();  // clears the progress line
  LessonContext(const LessonContext&) = delete;
  LessonContext& operator=(const LessonContext&) = delete;

  bool quick() const { return options_.quick; }
  // Measured repetitions per figure: --repeat when given, else the lesson's default.
  int repeats(int full, int quick) const;
  // A size that --quick shrinks: size(10'000, 1'000).
  template <typename T>
  T size(T full, T quick_size) const {
    return options_.quick ? quick_size : full;
  }
  // The CPU for pinned experiments: --cpu, else the first CPU this process may use.
  int cpu() const { return cpu_; }
  const std::vector<int>& allowed_cpus() const { return allowed_cpus_; }
  // The machine (os::collect_system_info), gathered once before the lesson ran: its kernel
  // config, tick, slice, mitigations. Read it here rather than gathering it again.
  const os::SystemInfo& system_info() const { return system_; }

  report::Report& report() { return report_; }

  // Shorthands for the common blocks. measure() marks a figure untrusted when the process was
  // stopped and continued, or the machine suspended, since the previous measure() (its wall
  // time then holds a pause its CPU time does not), and the lesson warns once.
  void explain(std::string title, std::string text);
  report::Measurement& measure(std::string id, std::string label, std::string unit,
                               std::vector<double> samples, std::string method);
  void verdict(report::ClaimVerdict v);
  void warn(std::string text);
  // Declares the question the next experiment answers (predict.h); with --predict the student
  // is asked now, before it runs. Call it just before the experiment: in a part, after its
  // section (the class reads what is measured first). A question already asked in this run (a
  // part run again with r) is not asked twice.
  void predict(Question q);
  // An experiment that --step may skip before it runs or run again after (step.h). `body`
  // adds the Section that explains the experiment first, then runs it; everything it computes
  // for later (verdicts) must have a meaning when it was skipped. Without --step: body().
  // Returns whether the body ran to its end (false: skipped); a verdict that rests on the
  // part's figures is given only when it ran.
  bool part(const std::function<void()>& body);
  // The same for an experiment whose explaining section can only be written from its results
  // (it is added after the run): --step pauses before it runs on `what`, one short line
  // ("rings of 2-16 threads and processes on one CPU"), which is not part of the Report.
  bool part(const std::string& what, const std::function<void()>& body);
  // Warns once that the lesson was stopped and continued (or the machine suspended) since the
  // last measure(); run_lesson calls it at the end, measure() whenever it marks a figure.
  void warn_if_paused();
  // The "Your predictions" table, once the lesson has run (run_lesson calls it).
  void finish_predictions();

  // A live line on stderr while the lesson runs (when the app asked for progress: a terminal,
  // not --json; report/progress_line.h): what the experiment now starting does, with a
  // spinner and the time so far. Call it before every experiment that may take a second or
  // more. Never part of the report.
  void progress(const std::string& text) const;
  // The current experiment has finished `done` of its `total` steps: the line becomes a bar
  // with the time left at the pace so far.
  void progress_step(long long done, long long total) const;

  // Throws os::Interrupted after Ctrl-C; call between the steps of every long experiment.
  static void check_interrupted();

 private:
  CommonOptions options_;
  report::Report& report_;
  const os::SystemInfo& system_;
  int cpu_;
  std::vector<int> allowed_cpus_;
  PauseMarks pause_marks_;
  std::vector<Question> asked_;
  std::vector<std::optional<double>> guesses_;
  bool pause_warned_ = false;
  std::unique_ptr<report::ProgressLine> progress_line_;  // null when no one watches
};

class Lesson {
 public:
  virtual ~Lesson() = default;
  virtual std::string_view name() const = 0;                 // the CLI name: "context-switch"
  virtual std::string_view title() const = 0;                // one line
  virtual std::vector<std::string_view> claims() const = 0;  // the notes' claim ids (C1...)
  // The lesson's own options; they are validated by CLI11 like the common ones.
  virtual void add_options(CLI::App& /*command*/) {}
  virtual void run(LessonContext& ctx) = 0;
};

// The syllabus, in the order of the lecture notes.
std::vector<std::unique_ptr<Lesson>> all_lessons();

// --json, --quick, --repeat N, --cpu N, --color WHEN, --no-color, --brief, --explain-rules,
// --predict, --step, --no-wait, --html FILE, --markdown FILE.
void add_common_options(CLI::App& command, CommonOptions& options);
// --color WHEN alone, for the other commands that print a page (info).
void add_color_option(CLI::App& command, std::string& color);

// Runs one lesson into a fresh Report (environment footer included).
report::Report run_lesson(Lesson& lesson, const CommonOptions& options);

// For tests and tools: parse `args` as the lesson's command line, then run it. Throws
// CLI::ParseError on bad arguments, exactly as the app would see it.
report::Report run_lesson_with_args(std::string_view name, std::vector<std::string> args);

}  // namespace conc::lessons
