#pragma once

#include <string>
#include <string_view>

/// Small text helpers shared by the parsers.
namespace av {

/// Returns `x` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view x);

/// True if `x` is not empty and only ASCII digits.
bool all_digits(std::string_view x);

/// Returns the value of hexadecimal digit `c`, or -1 for any other character.
int hex_value(char c);

/// A stable 64-bit digest of `x` (FNV-1a) as 16 hexadecimal digits: cheap,
/// and only has to tell texts apart, not resist an adversary.
std::string hex_digest(std::string_view x);

} // namespace av
