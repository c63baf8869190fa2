// Lesson `data-race`: the runtime's race detector (runtime/shared.h), as Go's `-race`. The
// racy goroutine counter with its report; a run in which no update was lost and the detector
// reports all the same (it needs no unlucky timing, only a missing happens-before edge); the
// fixes, with no report.

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "lessons/common/lesson.h"
#include "lessons/common/verbatim.h"
#include "lessons/data_race/data_race.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/shared.h"
#include "runtime/sync.h"

namespace conc::lessons::data_race {

namespace {

constexpr int kGoroutines = 2;
constexpr std::int64_t kAdds = 20'000, kAddsQuick = 5'000;

enum class Program { racy, lucky, mutex, channel };

struct DetectorRun {
  std::int64_t expected = 0, got = 0;
  rt::RunResult result;
};

// Two goroutines, each adding `adds` times to a Shared counter, as `program` says.
DetectorRun run_program(Program program, std::int64_t adds, int workers) {
  rt::Shared<std::int64_t> counter(0);  // outlives run(), as shared.h asks
  rt::Config config;
  config.workers = workers;
  config.stall_threshold = std::chrono::milliseconds(0);
  DetectorRun out;
  out.expected = kGoroutines * adds;
  out.result = rt::run(
      [&] {
        rt::Mutex lock;
        rt::Chan<int> token(1);  // whoever holds the token may touch the counter
        token.send(0);
        rt::WaitGroup wg;
        wg.add(kGoroutines);
        for (int g = 0; g < kGoroutines; ++g) {
          rt::go([&] {
            for (std::int64_t i = 0; i < adds; ++i) {
              if (program == Program::mutex) {
                const rt::LockGuard guard(lock);
                counter.store(counter.load() + 1);
              } else if (program == Program::channel) {
                static_cast<void>(token.recv());
                counter.store(counter.load() + 1);
                token.send(0);
              } else {
                counter.store(counter.load() + 1);  // racy: load, then store
              }
            }
            wg.done();
          });
        }
        wg.wait();
      },
      config);
  out.got = counter.unchecked_load();
  return out;
}

}  // namespace

void detector_experiments(LessonContext& ctx) {
  ctx.progress("data-race: the race detector");
  const int workers = std::max<int>(2, static_cast<int>(ctx.allowed_cpus().size()));
  const auto adds = ctx.size(kAdds, kAddsQuick);
  struct Row {  // the 8-byte members first: no padding between them
    const char* name;
    std::int64_t adds;
    Program program;
    int workers;
  };
  const Row rows[] = {
      {"racy, several workers", adds, Program::racy, workers},
      {"racy, one add each, one worker", 1, Program::lucky, 1},
      {"fix: rt::Mutex", adds, Program::mutex, workers},
      {"fix: a token over a channel", adds, Program::channel, workers},
  };
  report::Table t{"detector",
                  "The race detector on the goroutine counter (2 goroutines)",
                  {"program", "expected", "got", "lost", "races reported"},
                  {},
                  ""};
  std::string racy_report, lucky_report;
  for (const auto& row : rows) {
    LessonContext::check_interrupted();
    const auto run = run_program(row.program, row.adds, row.workers);
    t.rows.push_back({std::string(row.name), run.expected, run.got, run.expected - run.got,
                      static_cast<std::int64_t>(run.result.races.size())});
    auto& text = row.program == Program::racy ? racy_report : lucky_report;
    if ((row.program == Program::racy || row.program == Program::lucky) &&
        !run.result.races.empty()) {
      text = rt::format_race(run.result.races.front());
    }
  }
  t.note =
      "The detector gives each goroutine a vector clock and joins clocks along every edge the "
      "runtime creates (go, channel send -> receive, unlock -> lock, WaitGroup done -> wait). "
      "An access not ordered after a conflicting access by such a chain is a race, whether or "
      "not an update was lost this time.";
  ctx.report().add(std::move(t));
  ctx.explain(
      "The racy counter's report (as Go's `go run -race` prints it)",
      racy_report.empty()
          ? std::string("No race was reported.")
          : "Read it from the top: the access that completed the race (this goroutine, this "
            "line), the earlier access it conflicts with, then where each goroutine was started "
            "(the `go` statement). operator()() is C++'s name for the function a lambda defines: "
            "here, the body of each goroutine. Paths are from the repository's root.\n\n" +
                indented_verbatim(racy_report));
  ctx.explain(
      "A run that lost nothing, reported anyway",
      fmt::format("Each goroutine adds once, on one worker, with no yield between the load and "
                  "the store: the first finishes before the second starts and the counter ends "
                  "right. Nothing orders the two, though: another schedule would lose an "
                  "update, and the detector says so without needing that schedule.\n\n{}",
                  lucky_report.empty() ? std::string("No race was reported.")
                                       : indented_verbatim(lucky_report)));
}

}  // namespace conc::lessons::data_race
