#pragma once

#include <string_view>

/// Small text helpers shared by the parsers.
namespace av::net {

/// Returns `x` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view x);

/// Returns the value of hexadecimal digit `c`, or -1 for any other character.
int hex_value(char c);

} // namespace av::net
