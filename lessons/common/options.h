#pragma once
// Options that mean one thing in every lesson, and the parsers behind them.
//
// One name per meaning: `--threads N` is a count of threads, `--thread-counts LIST` a list of
// counts to run one after the other. A count is checked by whole_number(); a list by the one
// list parser here (parse_count_list), which names the position of the bad item. Help reads as
// sentences: the option's own words, then "N: a whole number from 1 to 64." (the app's help
// formatter joins the two; see apps/conc-lab/help_formatter.h).

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace conc::lessons {

// A plain decimal integer ("-12", "300"): digits with an optional minus sign, nothing else.
std::optional<long long> parse_decimal(std::string_view text);

// A validator for whole numbers written in decimal, from lo to hi. CLI11's own range check says
// "Value abc not in range" for text that is no number at all, and would let "0x10" through;
// this one says "'abc' is not a whole number from 1 to 1000". Use it for every count option.
CLI::Validator whole_number(long long lo, long long hi);

// "1,10,100" -> {1, 10, 100}, every item a whole number from lo to hi (lo >= 1). Rejects an
// empty list, an empty item ("1,,10"), zero, a duplicate and anything that is not a number; the
// error names the item's position ("item 3 of '1,10,,100' is empty"). Returns the counts in the
// order given, or the error. `max_items` > 0 also bounds how many items the list may hold.
std::variant<std::vector<int>, std::string> parse_count_list(std::string_view text, long long lo,
                                                             long long hi,
                                                             std::size_t max_items = 0);

// `--name N`, a count from lo to hi, into `target`. `what` is the help sentence.
CLI::Option* add_count_option(CLI::App& command, const std::string& name, int& target, long long lo,
                              long long hi, const std::string& what);

// `--name LIST`, comma-separated counts from lo to hi (parse_count_list), at most `max_items`
// of them when it is > 0, into `target`.
CLI::Option* add_count_list_option(CLI::App& command, const std::string& name,
                                   std::vector<int>& target, long long lo, long long hi,
                                   const std::string& what, std::size_t max_items = 0);

}  // namespace conc::lessons
