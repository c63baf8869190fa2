// The --predict record: appended line by line, read back, a torn or foreign line skipped.

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "report/prediction_log.h"

using namespace conc::report;
namespace fs = std::filesystem;

TEST_SUITE("prediction log") {
  TEST_CASE("records round-trip; a torn last line is skipped and counted") {
    const fs::path dir = fs::temp_directory_path() / ("conc-pred-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const fs::path file = dir / "predictions.jsonl";
    CHECK_FALSE(append_predictions(
        file, {{"2026-12-04T10:00:00Z", "stack", "depth", "calls deep", "calls", 500.0, 292.0},
               {"2026-12-04T10:00:00Z", "stack", "other", "skipped", "ms", std::nullopt, 3.5}}));
    { std::ofstream(file, std::ios::app) << "{\"recorded_at\": \"2026-12-0"; }
    int skipped = 0;
    const auto back = load_predictions(file, &skipped);
    CHECK(skipped == 1);
    REQUIRE(back.size() == 2);
    CHECK(back[0].guess == doctest::Approx(500.0));
    CHECK(back[0].measured == doctest::Approx(292.0));
    CHECK_FALSE(back[1].guess);
    CHECK(back[1].unit == "ms");
    fs::remove_all(dir);
  }

  TEST_CASE("a missing file is an empty record; an unwritable place is one sentence") {
    CHECK(load_predictions("/nonexistent/predictions.jsonl").empty());
    const auto warning = append_predictions("/proc/conc-lab/predictions.jsonl", {{}});
    REQUIRE(warning);
    CHECK(warning->find("cannot record your predictions") == 0);
  }
}
