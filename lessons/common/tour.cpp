#include "lessons/common/tour.h"

#include "lessons/common/chapters.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <system_error>
#include <utility>

#include "report/text_layout.h"
#include "report/verdict_store.h"

namespace conc::lessons {

namespace {}  // namespace

// One list of chapters for the menu and the tour (chapters.h).
std::string chapter_of(std::string_view lesson) {
  for (const auto& chapter : chapters()) {
    for (const auto name : chapter.lessons) {
      if (name == lesson) {
        return std::string(chapter.title);
      }
    }
  }
  return "";
}

std::string lesson_summary(const report::Report& report, std::size_t width) {
  using report::Verdict;
  // "2 claims confirmed, 1 nuanced": the first count names what it counts.
  std::string counts;
  for (const Verdict v :
       {Verdict::confirmed, Verdict::nuanced, Verdict::contradicted, Verdict::not_judged}) {
    std::size_t n = 0;
    for (const auto& cv : report.verdicts) {
      n += cv.verdict == v ? 1 : 0;
    }
    if (n > 0 && counts.empty()) {
      counts = fmt::format("{} claim{} {}", n, n == 1 ? "" : "s", report::to_string(v));
    } else if (n > 0) {
      counts += fmt::format(", {} {}", n, report::to_string(v));
    }
  }
  if (counts.empty()) {
    counts = "no verdict in this run";
  }
  std::string line = fmt::format("{}: {}", report.lesson, counts);
  // What was learnt: the first verdict's because, in this run's own words and numbers.
  if (!report.verdicts.empty() && !report.verdicts.front().because.empty()) {
    const auto& first = report.verdicts.front();
    line += fmt::format("; {}: {}", first.claim, first.because);
  }
  if (report::display_width(line) > width) {
    const auto pieces = report::wrap_words(line, width - 1);
    line = pieces.front() + "…";
  }
  return line;
}

std::filesystem::path default_tour_position_path() {
  return report::VerdictStore::default_path().parent_path() / "tour-position";
}

std::optional<TourPosition> load_tour_stop(const std::filesystem::path& file) {
  std::ifstream in(file);
  TourPosition p;
  if (!in || !std::getline(in, p.next) || p.next.empty()) {
    return std::nullopt;
  }
  if (!std::getline(in, p.stopped_at) || p.stopped_at.empty()) {
    p.stopped_at = p.next;  // written before the second line existed, or inside a lesson
  }
  return p;
}

std::optional<std::string> load_tour_position(const std::filesystem::path& file) {
  if (auto p = load_tour_stop(file)) {
    return p->next;
  }
  return std::nullopt;
}

std::optional<std::string> save_tour_position(const std::filesystem::path& file,
                                              const std::string& lesson,
                                              const std::string& stopped_at) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << lesson << "\n" << (stopped_at.empty() ? lesson : stopped_at) << "\n";
    if (!out.flush()) {
      return "cannot write " + tmp + ": the tour's position is not saved";
    }
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    return "cannot rename " + tmp + ": the tour's position is not saved";
  }
  return std::nullopt;
}

void clear_tour_position(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
}

}  // namespace conc::lessons
