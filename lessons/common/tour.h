#pragma once
// `conc-lab tour`: every lesson in the notes' order, grouped by the notes' chapters, with one
// line after each lesson of what this run showed. The pure parts live here (tested in
// tests/lessons/common); the app runs the lessons (apps/conc-lab/tour.cpp).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "report/report.h"

namespace conc::lessons {

// The chapter of the lecture notes a lesson belongs to (the notes' own questions, tidied);
// "" for a lesson the notes do not place.
std::string chapter_of(std::string_view lesson);

// "context-switch: 4 claims confirmed, 1 nuanced; C12: a thread switch cost 723 ns here…",
// from this run's verdicts and the first one's because; at most `width` columns.
std::string lesson_summary(const report::Report& report, std::size_t width = 80);

// Where the tour stands: the lesson it is at (saved as each lesson starts, so an interrupted
// tour resumes with that lesson) in a file of the state folder, written atomically. After the
// last lesson the file is removed.
//
// The file holds the lesson to resume with and, on a second line, the lesson the tour stopped
// at: they differ when the tour was left (q) on a lesson's end screen, all of it seen.
struct TourPosition {
  std::string next;        // tour --from NEXT resumes here
  std::string stopped_at;  // the lesson the tour was at when it stopped
};
std::filesystem::path default_tour_position_path();
// The lesson to resume with.
std::optional<std::string> load_tour_position(const std::filesystem::path& file);
std::optional<TourPosition> load_tour_stop(const std::filesystem::path& file);
// Returns a warning when the file could not be written (the tour goes on without it).
// `stopped_at` "": the tour is at `lesson` itself.
std::optional<std::string> save_tour_position(const std::filesystem::path& file,
                                              const std::string& lesson,
                                              const std::string& stopped_at = "");
void clear_tour_position(const std::filesystem::path& file);

}  // namespace conc::lessons
