// Reads whitespace-separated decimal numbers, naming the first bad token and its position.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace lpsim {

// Parses every token of `text` as a double (decimal or scientific notation, optional sign,
// "nan", "inf"). A token that is not a number throws UserError
// "<source>: token <i> ('<tok>') is not a number", i counted from 1.
std::vector<double> parse_values(const std::string& text, const std::string& source);

// Reads all of `in` and parses it with parse_values.
std::vector<double> read_values(std::istream& in, const std::string& source);

}  // namespace lpsim
