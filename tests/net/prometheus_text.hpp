#pragma once

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

namespace av::test {

/// The value of the series written exactly as `series` (name plus labels in
/// exposition order), if the text has it.
inline std::optional<double> value_of(const std::string& text,
                                      const std::string& series) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() + 1
        && line.compare(0, series.size(), series) == 0
        && line[series.size()] == ' ')
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  return std::nullopt;
}

} // namespace av::test
