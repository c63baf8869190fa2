#include "lessons/common/lesson.h"

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "lessons/common/environment.h"
#include "os/procfs/cpu_list.h"
#include "os/sys/affinity.h"
#include "os/sys/interrupt.h"
#include "report/progress_line.h"

namespace conc::lessons {

void LessonContext::progress(const std::string& text) const {
  if (progress_line_) {
    progress_line_->start(text);
  }
}

void LessonContext::progress_step(long long done, long long total) const {
  if (progress_line_) {
    progress_line_->step(done, total);
  }
}

LessonContext::~LessonContext() {
  if (options_.step_presenter) {
    options_.step_presenter->set_wait_hooks({}, {});  // the line dies with this context
  }
}

LessonContext::LessonContext(const CommonOptions& options, report::Report& report,
                             const os::SystemInfo& system)
    : options_(options),
      report_(report),
      system_(system),
      allowed_cpus_(os::allowed_cpus()),
      pause_marks_(PauseMarks::now()) {
  cpu_ = options.cpu >= 0 ? options.cpu : os::default_cpu();
  if (options.progress) {
    progress_line_ = std::make_unique<report::ProgressLine>(STDERR_FILENO);
    if (options.step_presenter) {
      // A pause waits for the class: the line (redrawn by its thread) must not cover the prompt.
      auto* line = progress_line_.get();
      options.step_presenter->set_wait_hooks([line] { line->hold(); }, [line] { line->resume(); });
    }
  }
}

PauseMarks PauseMarks::now() {
  timespec boot{}, mono{};
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  const long long diff =
      (boot.tv_sec - mono.tv_sec) * 1'000'000'000LL + (boot.tv_nsec - mono.tv_nsec);
  return PauseMarks{os::continue_count(), diff};
}

std::string pause_caveat(const PauseMarks& before, const PauseMarks& after) {
  if (after.continues != before.continues) {
    return "conc-lab was stopped and continued (SIGSTOP or Ctrl-Z, then SIGCONT) while this was "
           "measured: its wall time holds the pause";
  }
  const long long suspended = after.suspended_ns - before.suspended_ns;
  if (suspended >= kSuspendNoticedNs) {
    return fmt::format(
        "the machine was suspended for {:.1f} s while this was measured: its wall "
        "time holds the pause",
        static_cast<double>(suspended) / 1e9);
  }
  return "";
}

int LessonContext::repeats(int full, int quick_count) const {
  if (options_.repeat > 0) {
    return options_.repeat;
  }
  return options_.quick ? quick_count : full;
}

void LessonContext::explain(std::string title, std::string text) {
  report_.add(report::Section{std::move(title), std::move(text)});
}

report::Measurement& LessonContext::measure(std::string id, std::string label, std::string unit,
                                            std::vector<double> samples, std::string method) {
  report::Measurement m;
  m.id = std::move(id);
  m.label = std::move(label);
  m.unit = std::move(unit);
  m.stats = report::summarize(std::move(samples));
  m.method = std::move(method);
  const PauseMarks marks = PauseMarks::now();
  if (std::string caveat = pause_caveat(pause_marks_, marks); !caveat.empty()) {
    m.trusted = false;
    m.caveat = caveat;
    warn_if_paused();
  }
  pause_marks_ = marks;
  return report_.add(std::move(m));
}

void LessonContext::warn_if_paused() {
  // A pause after the last measure() marks no figure, but the tables and charts built since
  // were measured across it: the warning still belongs in the report.
  if (!pause_warned_ && !pause_caveat(pause_marks_, PauseMarks::now()).empty()) {
    warn(
        "conc-lab was paused while it measured (stopped and continued, or the machine "
        "suspended): figures measured across the pause are marked untrusted; run the lesson "
        "again");
    pause_warned_ = true;
  }
}

void LessonContext::verdict(report::ClaimVerdict v) {
  report_.add(std::move(v));
}

void LessonContext::warn(std::string text) {
  report_.warn(std::move(text));
}

void LessonContext::predict(Question q) {
  const auto& session = options_.predict_session;
  if (!options_.predict || !session || !session->ask) {
    return;
  }
  if (std::any_of(asked_.begin(), asked_.end(), [&](const Question& a) { return a.id == q.id; })) {
    return;  // a part run again (r in --step): the first guess stands
  }
  if (progress_line_) {
    progress_line_->clear();  // the question owns the terminal now
  }
  guesses_.push_back(session->ask(q));
  asked_.push_back(std::move(q));
}

bool LessonContext::part(const std::function<void()>& body) {
  return part(std::string(), body);
}

bool LessonContext::part(const std::string& what, const std::function<void()>& body) {
  StepPresenter* step = options_.step_presenter.get();
  if (step == nullptr) {
    body();
    return true;
  }
  const std::size_t start = report_.order().size();
  for (;;) {
    try {
      step->part_begins(report_, what);
      body();
    } catch (const StepSkip&) {
      step->part_left();
      warn(
          "Skipped at your request (s in --step): this experiment did not run, so its figures "
          "and the verdicts that rest on them are missing from this run.");
      return false;
    } catch (...) {
      step->part_left();  // sections after it pause again, whoever catches this
      throw;
    }
    if (!step->part_done(report_)) {
      return true;
    }
    report_.truncate(start);
    step->rerun_from(start);
  }
}

void LessonContext::finish_predictions() {
  if (!asked_.empty()) {
    add_prediction_table(report_, asked_, guesses_, *options_.predict_session);
  }
}

void LessonContext::check_interrupted() {
  os::throw_if_interrupted();
}

namespace {

// A handout's path must be writable before the lesson spends its time measuring.
CLI::Validator writable_file() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto slash = value.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : value.substr(0, slash + 1);
        if (value.empty() || value.back() == '/') {
          return "'" + value + "' is not a file name";
        }
        if (::access(dir.c_str(), W_OK) != 0) {
          return "cannot write '" + value + "': " + std::strerror(errno);
        }
        return "";
      },
      "FILE");
}

}  // namespace

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_flag("--json", options.json, "Print one JSON document on stdout and nothing else");
  command
      .add_option("--html", options.html_file,
                  "Also write the lesson as one self-contained HTML page (a handout)")
      ->type_name("FILE")
      ->check(writable_file());
  command
      .add_option("--markdown", options.markdown_file,
                  "Also write the lesson as Markdown (for notes and slides)")
      ->type_name("FILE")
      ->check(writable_file());
  command.add_flag("--quick", options.quick,
                   "Same method at the smallest honest size (fewer repetitions, smaller counts)");
  command.add_option("--repeat", options.repeat, "Measured repetitions per figure")
      ->type_name("N")
      ->check(whole_number(1, 1000));
  const auto cpus = os::allowed_cpus();
  command
      .add_option("--cpu", options.cpu,
                  "CPU for pinned experiments (default: the first allowed, CPU " +
                      std::to_string(cpus.empty() ? 0 : cpus.front()) + ")")
      ->type_name("N")
      ->check(CLI::Validator(
          [cpus](std::string& value) -> std::string {
            const auto parsed = parse_decimal(value);
            if (!parsed || *parsed < 0 || *parsed > 1'000'000) {
              return "'" + value + "' is not a CPU number";
            }
            const int c = static_cast<int>(*parsed);
            if (std::find(cpus.begin(), cpus.end(), c) == cpus.end()) {
              return "CPU " + value +
                     " is not one this process may use (allowed: " + os::format_cpu_list(cpus) +
                     ")";
            }
            return "";
          },
          "a CPU this process may use (here " + os::format_cpu_list(cpus) + ")", "allowed CPU"));
  add_color_option(command, options.color);
  command.add_flag("--no-color", options.no_color, "No colour even on a terminal (--color=never)");
  command.add_flag("--brief", options.brief,
                   "The short view: per claim the verdict and one line of why (for a projector)");
  command.add_flag("--explain-rules", options.explain_rules,
                   "Print under each verdict the rule that decided it");
  command.add_flag("--no-wait", options.no_wait,
                   "Do not wait while another conc-lab measures: run at once, with every figure "
                   "marked as disturbed");
  command.add_flag("--step", options.step,
                   "One section at a time: Enter next, r rerun, s skip, q quit (for a class)");
  command.add_flag("--predict", options.predict,
                   "Guess each headline figure before it is measured, then see how close "
                   "you were");
}

void add_color_option(CLI::App& command, std::string& color) {
  command
      .add_option("--color", color,
                  "Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR or "
                  "CLICOLOR_FORCE turn it on), always or never")
      ->type_name("WHEN")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            if (value == "auto" || value == "always" || value == "never") {
              return "";
            }
            return "'" + value + "' is not auto, always or never";
          },
          "", "colour choice"));
}

report::Report run_lesson(Lesson& lesson, const CommonOptions& options) {
  report::Report report(std::string(lesson.name()), std::string(lesson.title()));
  report.quick = options.quick;
  const os::SystemInfo info = os::collect_system_info();
  report.env = footer_facts(info);
  for (auto& w : noise_warnings(info)) {
    report.warn(std::move(w));
  }
  LessonContext ctx(options, report, info);
  StepPresenter* step = options.step_presenter.get();
  report.observe(step);
  struct Unobserve {  // the presenter may throw (q); the Report must not keep pointing at it
    report::Report& r;
    ~Unobserve() { r.observe(nullptr); }
  } unobserve{report};
  lesson.run(ctx);
  ctx.warn_if_paused();
  ctx.finish_predictions();
  if (step != nullptr) {
    step->finish(report);
  }
  report.observe(nullptr);
  return report;
}

report::Report run_lesson_with_args(std::string_view name, std::vector<std::string> args) {
  auto lessons = all_lessons();
  auto it = std::find_if(lessons.begin(), lessons.end(),
                         [&](const auto& l) { return l->name() == name; });
  if (it == lessons.end()) {
    throw std::invalid_argument("no lesson named " + std::string(name));
  }
  CLI::App app{"conc-lab lesson " + std::string(name)};
  CommonOptions options;
  add_common_options(app, options);
  (*it)->add_options(app);
  std::reverse(args.begin(), args.end());  // CLI11 parses a vector back to front
  app.parse(args);
  return run_lesson(**it, options);
}

}  // namespace conc::lessons
