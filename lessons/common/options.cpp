#include "lessons/common/options.h"

#include <fmt/format.h>

#include <algorithm>

namespace conc::lessons {

// At most 18 digits, so std::stoll cannot overflow.
std::optional<long long> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 18) {
    return std::nullopt;
  }
  const std::size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size() ||
      text.find_first_not_of("0123456789", start) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::stoll(std::string(text));
}

namespace {

std::string bounds_text(long long lo, long long hi) {
  return fmt::format("from {} to {}", lo, hi);
}

// Splits on commas, keeping empty items so that their position can be named.
std::vector<std::string_view> split_items(std::string_view text) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (comma == std::string_view::npos) {
      return items;
    }
    start = comma + 1;
  }
}

}  // namespace

CLI::Validator whole_number(long long lo, long long hi) {
  const std::string bounds = bounds_text(lo, hi);
  return CLI::Validator(
      [lo, hi, bounds](std::string& value) -> std::string {
        const auto v = parse_decimal(value);
        if (!v) {
          return "'" + value + "' is not a whole number " + bounds;
        }
        if (*v < lo || *v > hi) {
          return value + " is out of range: give a whole number " + bounds;
        }
        return "";
      },
      "a whole number " + bounds, "whole number");
}

std::variant<std::vector<int>, std::string> parse_count_list(std::string_view text, long long lo,
                                                             long long hi, std::size_t max_items) {
  const std::string expected = "give whole numbers " + bounds_text(lo, hi) +
                               " separated by commas, e.g. " + std::to_string(lo) + "," +
                               std::to_string(std::min(hi, lo * 10));
  if (text.empty()) {
    return "the list is empty: " + expected;
  }
  const auto items = split_items(text);
  if (max_items > 0 && items.size() > max_items) {
    return fmt::format("'{}' has {} items: give at most {}", text, items.size(), max_items);
  }
  std::vector<int> counts;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = fmt::format("item {} of '{}'", i + 1, text);
    const std::string_view item = items[i];
    if (item.empty()) {
      return fmt::format("{} is empty: {}", where, expected);
    }
    const auto v = parse_decimal(item);
    if (!v) {
      return fmt::format("{} ('{}') is not a whole number: {}", where, item, expected);
    }
    if (*v == 0) {
      return fmt::format("{} is 0: {}", where, expected);
    }
    if (*v < lo || *v > hi) {
      return fmt::format("{} ({}) is out of range: {}", where, item, expected);
    }
    const int count = static_cast<int>(*v);
    if (std::find(counts.begin(), counts.end(), count) != counts.end()) {
      return fmt::format("{} ({}) repeats an earlier item: give each count once", where, item);
    }
    counts.push_back(count);
  }
  return counts;
}

CLI::Option* add_count_option(CLI::App& command, const std::string& name, int& target, long long lo,
                              long long hi, const std::string& what) {
  return command.add_option(name, target, what)->type_name("N")->check(whole_number(lo, hi));
}

CLI::Option* add_count_list_option(CLI::App& command, const std::string& name,
                                   std::vector<int>& target, long long lo, long long hi,
                                   const std::string& what, std::size_t max_items) {
  const std::string most = max_items > 0 ? fmt::format(", at most {} of them", max_items) : "";
  const CLI::Validator list_check(
      [lo, hi, max_items](std::string& value) -> std::string {
        const auto parsed = parse_count_list(value, lo, hi, max_items);
        const auto* error = std::get_if<std::string>(&parsed);
        return error != nullptr ? *error : std::string();
      },
      "whole numbers " + bounds_text(lo, hi) + " separated by commas" + most, "count list");
  return command
      .add_option_function<std::string>(
          name,
          [&target, lo, hi, max_items](const std::string& value) {
            // The validator has already accepted it.
            target = std::get<std::vector<int>>(parse_count_list(value, lo, hi, max_items));
          },
          what)
      ->type_name("LIST")
      ->check(list_check);
}

}  // namespace conc::lessons
