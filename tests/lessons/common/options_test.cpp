#include "lessons/common/options.h"

#include <doctest/doctest.h>

namespace conc::lessons {

namespace {
std::string list_error(std::string_view text) {
  const auto parsed = parse_count_list(text, 1, 10'000);
  const auto* error = std::get_if<std::string>(&parsed);
  return error != nullptr ? *error : "";
}
}  // namespace

TEST_CASE("a count list keeps the order given") {
  const auto parsed = parse_count_list("100,1,10", 1, 10'000);
  REQUIRE(std::holds_alternative<std::vector<int>>(parsed));
  CHECK(std::get<std::vector<int>>(parsed) == std::vector<int>{100, 1, 10});
}

TEST_CASE("a bad item is named by its position") {
  CHECK(list_error("") ==
        "the list is empty: give whole numbers from 1 to 10000 separated by "
        "commas, e.g. 1,10");
  CHECK(list_error("1,10,,100").rfind("item 3 of '1,10,,100' is empty", 0) == 0);
  CHECK(list_error(",1").rfind("item 1 of ',1' is empty", 0) == 0);
  CHECK(list_error("1,").rfind("item 2 of '1,' is empty", 0) == 0);
  CHECK(list_error("5,0").rfind("item 2 of '5,0' is 0", 0) == 0);
  CHECK(list_error("1,10,1").rfind("item 3 of '1,10,1' (1) repeats an earlier item", 0) == 0);
  CHECK(list_error("1,ten").rfind("item 2 of '1,ten' ('ten') is not a whole number", 0) == 0);
  CHECK(list_error("1, 2").rfind("item 2 of '1, 2' (' 2') is not a whole number", 0) == 0);
  CHECK(list_error("20000").rfind("item 1 of '20000' (20000) is out of range", 0) == 0);
  CHECK(list_error("-3").find("out of range") != std::string::npos);
}

TEST_CASE("a count list may be bounded in length (locking measures at most 8 counts)") {
  const auto eight = parse_count_list("1,2,3,4,5,6,7,8", 1, 64, 8);
  CHECK(std::holds_alternative<std::vector<int>>(eight));
  const auto nine = parse_count_list("1,2,3,4,5,6,7,8,9", 1, 64, 8);
  REQUIRE(std::holds_alternative<std::string>(nine));
  CHECK(std::get<std::string>(nine) == "'1,2,3,4,5,6,7,8,9' has 9 items: give at most 8");
}

TEST_CASE("whole numbers: decimal only, bounds named") {
  CHECK(parse_decimal("300") == 300);
  CHECK(parse_decimal("-12") == -12);
  CHECK_FALSE(parse_decimal("0x10"));
  CHECK_FALSE(parse_decimal("1e3"));
  CHECK_FALSE(parse_decimal(""));
  CHECK_FALSE(parse_decimal("-"));
  std::string text = "abc";
  CHECK(whole_number(1, 1000)(text) == "'abc' is not a whole number from 1 to 1000");
  text = "0";
  CHECK(whole_number(1, 1000)(text) == "0 is out of range: give a whole number from 1 to 1000");
}

TEST_CASE("a list option rejects a bad list through CLI11 and fills its target otherwise") {
  CLI::App app;
  std::vector<int> counts;
  add_count_list_option(app, "--thread-counts", counts, 1, 100, "Counts");
  CHECK_THROWS_AS(app.parse("--thread-counts 1,,2", false), CLI::ValidationError);
  app.clear();
  app.parse("--thread-counts 3,1", false);
  CHECK(counts == std::vector<int>{3, 1});
}

}  // namespace conc::lessons
