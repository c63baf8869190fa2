#include "commands.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "lessons/common/chapters.h"
#include "lessons/common/claims.h"
#include "lessons/common/environment.h"
#include "lessons/common/glossary.h"
#include "lessons/common/options.h"
#include "lessons/common/progress.h"
#include "lessons/common/tour.h"
#include "menu.h"
#include "os/sys/pid_lock.h"
#include "predict_prompt.h"
#include "report/command_hint.h"
#include "report/handout.h"
#include "report/json_renderer.h"
#include "report/lesson_list.h"
#include "report/prediction_log.h"
#include "report/progress_line.h"
#include "report/text_renderer.h"
#include "report/verdict_store.h"
#include "step_keys.h"
#include "usage.h"

namespace conc::app {

namespace {

// The page width: COLUMNS when set (so `COLUMNS=80 conc-lab ... | less` is laid out for 80),
// else the terminal's (TIOCGWINSZ), else 100 for a pipe; at most 120, for readable lines.
int terminal_width() {
  constexpr int kPipeWidth = 100;
  constexpr int kWidest = 120;
  constexpr int kNarrowest = 40;
  if (const char* columns = std::getenv("COLUMNS")) {
    if (const auto n = lessons::parse_decimal(columns); n && *n >= kNarrowest) {
      return static_cast<int>(std::min<long long>(*n, kWidest));
    }
  }
  winsize ws{};
  if (::isatty(1) == 1 && ::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= kNarrowest) {
    return std::min<int>(ws.ws_col, kWidest);
  }
  return kPipeWidth;
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// How a page is printed: --json, or text as the options say.
struct PageChoice {
  bool json = false;
  std::string color = "auto";
  bool no_color = false;
  bool brief = false;
  bool explain_rules = false;
  std::string next_lesson;
  std::vector<std::string> glossary_terms;  // marked at their first use (lessons only)
};

report::TextStyle text_style(const PageChoice& choice) {
  report::TextStyle style = report::TextStyle::plain(terminal_width());
  style.color = !choice.no_color && report::want_color(choice.color, ::isatty(1) == 1);
  style.view = choice.brief ? report::TextStyle::View::brief : report::TextStyle::View::full;
  style.explain_rules = choice.explain_rules;
  style.next_lesson = choice.next_lesson;
  style.command = report::invoked_as();
  style.glossary_terms = choice.glossary_terms;
  return style;
}

void print_report(const report::Report& r, const PageChoice& choice) {
  if (choice.json) {
    print(report::render_json(r));
    return;
  }
  print(report::render_text(r, text_style(choice)));
}

void print_report(const report::Report& r, bool json, bool no_color) {
  PageChoice choice;
  choice.json = json;
  choice.no_color = no_color;
  print_report(r, choice);
}

std::string join_claims(const std::vector<std::string_view>& ids) {
  return fmt::format("{}", fmt::join(ids, " "));
}

// --html FILE, --markdown FILE: the same Report as handouts. A file that cannot be written is
// an OS failure (the path was checked before the lesson ran).
void write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int err = errno;
  if (f == nullptr || std::fclose(f) != 0 || !ok) {
    throw std::system_error(err, std::generic_category(), "cannot write " + path);
  }
}

void write_handouts(const report::Report& r, const lessons::CommonOptions& options) {
  if (!options.html_file.empty()) {
    write_file(options.html_file, report::render_html(r));
  }
  if (!options.markdown_file.empty()) {
    write_file(options.markdown_file, report::render_markdown(r));
  }
}

// Two lessons measuring at once disturb each other's figures (they share the CPUs, caches and
// memory bandwidth): a lesson holds this lock while it measures, separate from the verdict
// ledger's lock, which is held only for the milliseconds of a read-modify-write.
std::filesystem::path measuring_lock_path() {
  return report::VerdictStore::default_path().parent_path() / "measuring.lock";
}

// Takes the measuring lock, waiting for another conc-lab unless --no-wait. Returns the lock
// (empty when the state folder has no room for it: the lesson then measures unguarded, and
// says so) and, under --no-wait, the pid of the conc-lab measuring meanwhile (0: none).
std::unique_ptr<os::PidLock> take_measuring_lock(bool no_wait, pid_t& disturbed_by) {
  std::unique_ptr<os::PidLock> lock;
  try {
    lock = std::make_unique<os::PidLock>(measuring_lock_path());
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "conc-lab: %s; measuring without it\n", e.what());
    return nullptr;
  }
  if (no_wait) {
    if (!lock->try_lock()) {
      disturbed_by = std::max(lock->holder(), 1);
    }
    return lock;
  }
  lock->lock([](pid_t holder) {
    const std::string who = holder > 0 ? fmt::format(" (pid {})", holder) : "";
    std::fprintf(stderr,
                 "conc-lab: another conc-lab is measuring%s; waiting... (Ctrl-C to stop; "
                 "--no-wait runs at once, its figures marked as disturbed)\n",
                 who.c_str());
    std::fflush(stderr);
  });
  return lock;
}

// --no-wait while another conc-lab measured: every figure of this run is untrusted.
void mark_disturbed(report::Report& r, pid_t other) {
  const std::string other_text =
      other > 1 ? fmt::format("another conc-lab (pid {})", other) : std::string("another conc-lab");
  const std::string caveat = other_text + " was measuring when this run started (--no-wait)";
  for (auto& m : r.measurements) {
    m.trusted = false;
    m.caveat = m.caveat.empty() ? caveat : m.caveat + "; " + caveat;
  }
  r.warn("Disturbed: " + other_text +
         " was measuring at the same time (--no-wait), so both runs shared the CPUs and every "
         "figure here is marked untrusted; run " +
         report::command_hint("lesson " + r.lesson) + " again without --no-wait");
}

void record_predictions(const std::vector<lessons::Prediction>& results) {
  std::vector<report::PredictionRecord> records;
  records.reserve(results.size());
  const std::string now = report::utc_timestamp();
  for (const auto& p : results) {
    records.push_back({now, p.lesson, p.question_id, p.label, p.unit, p.guess, p.measured});
  }
  if (records.empty()) {
    return;
  }
  if (auto warning = report::append_predictions(report::default_prediction_log(), records)) {
    std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
  }
}

}  // namespace

Commands::Commands(CLI::App& app) : app_(app), lessons_(lessons::all_lessons()) {
  add_list(app);
  add_info(app);
  add_claims(app);
  add_glossary(app);
  add_lessons(app);
  add_bench(app);
  add_progress(app);
  add_tour(app);
  add_shell_integration(app);
}

void Commands::add_list(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "The lessons, in the order of the notes");
  cmd->add_flag("--json", list_.json, "Print JSON");
  cmd->callback([this] { selected_ = [this] { return run_list(); }; });
}

void Commands::add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "The machine you are measuring on");
  cmd->add_flag("--json", info_.json, "Print JSON");
  lessons::add_color_option(*cmd, info_.color);
  cmd->add_flag("--no-color", info_.no_color, "No colour (--color=never)");
  cmd->callback([this] { selected_ = [this] { return run_info(); }; });
}

void Commands::add_claims(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("claims", "Every claim of the notes with this machine's latest verdict");
  cmd->add_flag("--json", claims_.json, "Print JSON");
  cmd->add_flag("--no-color", claims_.no_color, "No colour");
  cmd->callback([this] { selected_ = [this] { return run_claims(); }; });
}

void Commands::add_progress(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "progress", "What you have done here: lessons run, claims seen, your predictions");
  cmd->add_flag("--json", progress_.json, "Print JSON");
  cmd->add_flag("--no-color", progress_.no_color, "No colour");
  cmd->callback([this] { selected_ = [this] { return run_progress(); }; });
}

void Commands::add_glossary(CLI::App& app) {
  auto* cmd = app.add_subcommand("glossary", "The words the lessons use, explained");
  cmd->add_option("term", glossary_term_, "One term (e.g. futex); all of them without it")
      ->type_name("TERM");
  lessons::add_color_option(*cmd, glossary_.color);
  cmd->add_flag("--no-color", glossary_.no_color, "No colour (--color=never)");
  cmd->callback([this] { selected_ = [this] { return run_glossary(); }; });
}

void Commands::add_lessons(CLI::App& app) {
  auto* lesson_cmd = app.add_subcommand(
      "lesson", "Run one lesson: " + report::command_hint("lesson <name or number in list>"));
  lesson_cmd->require_subcommand(1);
  int number = 0;
  for (auto& lesson : lessons_) {
    auto* cmd =
        lesson_cmd->add_subcommand(std::string(lesson->name()), std::string(lesson->title()));
    // `lesson 3` runs the third lesson of `list`, which numbers them.
    cmd->alias(std::to_string(++number));
    cmd->footer("Claims: " + join_claims(lesson->claims()) + " (" + report::command_hint("claims") +
                ")");
    lessons::add_common_options(*cmd, lesson_options_);
    lesson->add_options(*cmd);
    lessons::Lesson* l = lesson.get();
    cmd->callback([this, l] {
      // One document at the end, or a lesson shown piece by piece: not both at once.
      if (lesson_options_.step && lesson_options_.json) {
        throw UsageError(
            "--step shows a lesson one section at a time on a terminal and --json prints one "
            "document at the end: give one of them");
      }
      selected_ = [this, l] { return run_lesson(*l); };
    });
  }
}

void Commands::add_bench(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("bench", "The runtime's microbenchmarks, as the Go peer runs them");
  cmd->add_flag("--json", bench_.json, "One JSON line per benchmark (the peers' shape)");
  cmd->add_option("--only", bench_.only, "Run one benchmark")
      ->type_name("NAME")
      ->check(CLI::IsMember(bench_names()));
  cmd->add_flag("--in-process", bench_.in_process, "Run --only here (used by bench itself)")
      ->group("");
  cmd->callback([this] {
    if (bench_.in_process && bench_.only.empty()) {
      throw UsageError("bench --in-process needs --only NAME (see " +
                       report::command_hint("bench --help") + ")");
    }
    bench_.width = terminal_width();
    selected_ = [this] { return run_bench_command(bench_); };
  });
}

std::vector<std::string> Commands::lesson_names() const {
  std::vector<std::string> names;
  for (const auto& l : lessons_) {
    names.emplace_back(l->name());
  }
  return names;
}

std::vector<std::string> Commands::command_names() const {
  std::vector<std::string> names;
  for (const auto* sub : app_.get_subcommands({})) {
    names.push_back(sub->get_name());
  }
  return names;
}

bool Commands::lesson_has_option(const std::string& lesson, const std::string& flag) const {
  // CLI11 2.1 has no non-throwing subcommand lookup: walk the tree.
  for (const CLI::App* group : app_.get_subcommands({})) {
    if (group->get_name() != "lesson") {
      continue;
    }
    for (const CLI::App* cmd : group->get_subcommands({})) {
      if (cmd->get_name() == lesson) {
        return cmd->get_option_no_throw(flag) != nullptr;
      }
    }
  }
  return false;
}

std::vector<std::string> Commands::lessons_with_option(const std::string& flag) const {
  std::vector<std::string> owners;
  for (const auto& l : lessons_) {
    if (lesson_has_option(std::string(l->name()), flag)) {
      owners.emplace_back(l->name());
    }
  }
  return owners;
}

int Commands::run() {
  if (selected_) {
    return selected_();
  }
  const bool terminal = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
  return terminal && menu_terminal_usable() ? run_menu() : print_syllabus();
}

int Commands::run_menu() const {
  std::vector<MenuLesson> lessons;
  for (const auto& l : lessons_) {
    MenuLesson m{std::string(l->name()), std::string(l->title()), {}};
    for (auto c : l->claims()) {
      m.claims.emplace_back(c);
    }
    lessons.push_back(std::move(m));
  }
  MenuFeatures features;
  for (const CLI::App* sub : app_.get_subcommands({})) {
    if (sub->get_name() == "tour") {
      features.tour = true;
      features.tour_quick = sub->get_option_no_throw("--quick") != nullptr;
    }
  }
  MenuModel model(std::move(lessons), lessons::chapters(), features);
  return conc::app::run_menu(model);
}

int Commands::print_syllabus() const {
  std::string out =
      "conc-lab: concurrency, measured on this machine.\n\n"
      "Each lesson runs a live experiment for claims of the lecture notes and says whether\n"
      "this machine confirms, nuances or contradicts them.\n\nSyllabus:\n";
  for (const auto& l : lessons_) {
    out += fmt::format("  {:<28} {}\n", l->name(), l->title());
  }
  using report::command_hint;
  const std::string first = lessons_.empty() ? "<name>" : std::string(lessons_.front()->name());
  const std::vector<std::pair<std::string, std::string>> starts = {
      {command_hint("info"), "the machine you measure on"},
      {command_hint("lesson " + first), "the first lesson (or: lesson 1)"},
      {command_hint("claims"), "every claim and its verdict here"},
      {command_hint("lesson <name> --help"), "a lesson's options"}};
  std::size_t width = 0;
  for (const auto& s : starts) {
    width = std::max(width, s.first.size());
  }
  out += "\nStart with:\n";
  for (const auto& [command, what] : starts) {
    out += fmt::format("  {:<{}}  {}\n", command, width, what);
  }
  print(out);
  return kExitOk;
}

int Commands::run_list() const {
  const std::vector<report::ListedLesson> listed = lessons::listed_lessons(lessons_);
  if (list_.json) {
    print(report::lesson_list_json(listed).dump(2) + "\n");
  } else {
    print(report::lesson_list_text(listed, terminal_width()));
  }
  return kExitOk;
}

int Commands::run_info() const {
  PageChoice choice;
  choice.json = info_.json;
  choice.color = info_.color;
  choice.no_color = info_.no_color;
  print_report(lessons::info_report(os::collect_system_info(200)), choice);
  return kExitOk;
}

int Commands::run_glossary() const {
  std::vector<lessons::GlossaryEntry> entries = lessons::glossary();
  if (!glossary_term_.empty()) {
    const auto entry = lessons::find_glossary_entry(glossary_term_);
    if (!entry) {
      std::fprintf(stderr, "conc-lab: no glossary entry for '%s' (conc-lab glossary lists them)\n",
                   glossary_term_.c_str());
      return kExitUsage;
    }
    entries = {*entry};
  }
  PageChoice choice;
  choice.color = glossary_.color;
  choice.no_color = glossary_.no_color;
  print_report(lessons::glossary_report(entries), choice);
  return kExitOk;
}

int Commands::run_claims() const {
  report::VerdictStore store(report::VerdictStore::default_path());
  if (auto warning = store.load()) {
    std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
  }
  const report::ClaimsLedger ledger = lessons::claims_ledger(lessons_, store);
  if (claims_.json) {
    print(report::claims_ledger_json(ledger).dump(2) + "\n");
  } else {
    print_report(report::claims_ledger_report(ledger), false, claims_.no_color);
  }
  return kExitOk;
}

int Commands::run_progress() const {
  report::VerdictStore store(report::VerdictStore::default_path());
  if (auto warning = store.load()) {
    std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
  }
  int skipped = 0;
  const auto predictions = report::load_predictions(report::default_prediction_log(), &skipped);
  if (skipped > 0) {
    std::fprintf(stderr, "conc-lab: %d unreadable line(s) in %s were left out\n", skipped,
                 report::default_prediction_log().c_str());
  }
  const auto tour = lessons::load_tour_stop(lessons::default_tour_position_path());
  print_report(lessons::progress_report(lessons_, store, predictions, tour), progress_.json,
               progress_.no_color);
  return kExitOk;
}

std::string Commands::next_lesson_after(std::string_view name) const {
  for (std::size_t i = 0; i + 1 < lessons_.size(); ++i) {
    if (lessons_[i]->name() == name) {
      return std::string(lessons_[i + 1]->name());
    }
  }
  return "";
}

int Commands::run_lesson(lessons::Lesson& lesson) const {
  try {
    run_and_show(lesson, lesson_options_);
  } catch (const lessons::StepQuit&) {
    std::fprintf(stderr, "conc-lab: stopped at your request (q); nothing was recorded\n");
  }
  return kExitOk;
}

report::Report Commands::run_and_show(lessons::Lesson& lesson, lessons::CommonOptions options,
                                      const std::string& step_preamble) const {
  options.progress = report::ProgressLine::wanted(STDERR_FILENO, options.json);
  if (options.predict) {
    options.predict_session = terminal_predict_session();
  }
  PageChoice choice;
  choice.json = options.json;
  choice.color = options.color;
  choice.no_color = options.no_color;
  choice.brief = options.brief;
  choice.explain_rules = options.explain_rules;
  choice.next_lesson = next_lesson_after(lesson.name());
  choice.glossary_terms = lessons::glossary_terms();
  if (options.step) {
    report::TextStyle style = text_style(choice);
    style.view = report::TextStyle::View::full;  // a step shows the blocks as they come
    options.step_presenter = terminal_step_presenter(style);
    options.step_presenter->set_preamble(step_preamble);
  }
  pid_t disturbed_by = 0;
  auto measuring = take_measuring_lock(options.no_wait, disturbed_by);
  report::Report r = lessons::run_lesson(lesson, options);
  measuring.reset();  // measured: the next conc-lab may start while this one prints
  if (disturbed_by != 0) {
    mark_disturbed(r, disturbed_by);
  }
  if (options.predict_session) {
    record_predictions(options.predict_session->results);
  }
  if (!options.step) {  // --step has shown every block already
    print_report(r, choice);
  }
  std::fflush(stdout);
  write_handouts(r, options);
  // The ledger is a convenience: failing to update it must not fail the lesson.
  report::VerdictStore store(report::VerdictStore::default_path());
  if (auto warning = store.record_run(r, report::utc_timestamp())) {
    std::fprintf(stderr, "conc-lab: %s\n", warning->c_str());
  }
  return r;
}

}  // namespace conc::app
