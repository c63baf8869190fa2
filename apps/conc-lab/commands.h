#pragma once
// The command table: `list`, `info`, `claims`, `glossary`, `lesson <name>`, `bench`, each an
// options struct, a setup function that declares its CLI11 options and a run function (CLI11's
// subcom_in_files pattern). main() only parses and maps failures to exit codes.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "bench.h"
#include "lessons/common/lesson.h"

namespace conc::app {

// Exit statuses: 0 ok, 1 an OS call failed, 2 usage error (as grep and argparse), 130 Ctrl-C.
inline constexpr int kExitOk = 0;
inline constexpr int kExitOsFailure = 1;
inline constexpr int kExitUsage = 2;

class Commands {
 public:
  explicit Commands(CLI::App& app);
  // Runs whichever command was parsed. None: the menu when stdin and stdout are both
  // terminals that can show it (menu.h), else the syllabus, never waiting for input.
  int run();
  // Names the lesson command accepts (for "did you mean").
  std::vector<std::string> lesson_names() const;
  std::vector<std::string> command_names() const;
  // Whether lesson `lesson` takes `flag` ("--threads"), and which lessons take it.
  bool lesson_has_option(const std::string& lesson, const std::string& flag) const;
  std::vector<std::string> lessons_with_option(const std::string& flag) const;

 private:
  struct OutputOptions {
    bool json = false;
    bool no_color = false;
    std::string color = "auto";
  };
  void add_list(CLI::App& app);
  void add_info(CLI::App& app);
  void add_claims(CLI::App& app);
  void add_glossary(CLI::App& app);
  void add_lessons(CLI::App& app);
  void add_bench(CLI::App& app);
  void add_progress(CLI::App& app);
  void add_tour(CLI::App& app);  // tour.cpp
  // `completion bash|zsh` and the hidden `man` (shell_commands.cpp).
  void add_shell_integration(CLI::App& app);

  int print_syllabus() const;
  int run_menu() const;
  int run_list() const;
  int run_info() const;
  int run_claims() const;
  int run_progress() const;
  int run_glossary() const;
  int run_lesson(lessons::Lesson& lesson) const;
  int run_tour() const;  // tour.cpp
  int stop_tour(const std::filesystem::path& position_file, std::size_t at, bool after_end) const;
  // Runs a lesson as `options` say, shows it (through --step's presenter, or as one page),
  // writes its handouts and records its verdicts. Throws lessons::StepQuit after q. With
  // --step, `step_preamble` heads the lesson's first screen (the tour's chapter header).
  report::Report run_and_show(lessons::Lesson& lesson, lessons::CommonOptions options,
                              const std::string& step_preamble = "") const;
  // The lesson after `name` in the notes' order; "" after the last.
  std::string next_lesson_after(std::string_view name) const;

  CLI::App& app_;
  std::vector<std::unique_ptr<lessons::Lesson>> lessons_;
  OutputOptions list_, info_, claims_, progress_, glossary_;
  std::string glossary_term_;
  BenchOptions bench_;
  std::string completion_shell_;
  lessons::CommonOptions lesson_options_;
  struct TourOptions {
    bool quick = false;
    bool step = false;
    bool predict = false;
    std::string from;
  } tour_;
  std::function<int()> selected_;
};

}  // namespace conc::app
