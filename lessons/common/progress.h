#pragma once
// `conc-lab progress`: what this user has done here. Lessons run (from the verdict ledger),
// claims seen with a verdict, and the record of --predict guesses over time: each guess beside
// its measurement, and whether the guesses got closer (the median factor off of the earlier
// half against the later half).

#include <memory>
#include <optional>
#include <vector>

#include "lessons/common/lesson.h"
#include "lessons/common/tour.h"
#include "report/prediction_log.h"
#include "report/report.h"
#include "report/verdict_store.h"

namespace conc::lessons {

// `tour`: where the last tour stopped (tour.h), shown with the command that resumes it.
report::Report progress_report(const std::vector<std::unique_ptr<Lesson>>& lessons,
                               const report::VerdictStore& store,
                               const std::vector<report::PredictionRecord>& predictions,
                               const std::optional<TourPosition>& tour = std::nullopt);

// "tour: stopped at stack — continue with: conc-lab tour --from locking".
std::string tour_position_line(const TourPosition& tour);

}  // namespace conc::lessons
