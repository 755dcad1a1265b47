#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec.hpp"

/// Makers of table rows, one per kind of value.
namespace av::config::detail {

/// Returns whether `x` and `y` are equal ignoring ASCII case.
bool iequals(std::string_view x, std::string_view y);

/// Accepts true/false, 1/0, yes/no and on/off in any case.
std::optional<bool> parse_bool(std::string_view x);

/// Parses `x` as a whole; nullopt on junk, on a sign where `T` is unsigned
/// and on overflow.
template <class T>
std::optional<T> parse_integer(std::string_view x) {
  if (x.empty())
    return std::nullopt;
  T value{};
  auto last = x.data() + x.size();
  auto [ptr, ec] = std::from_chars(x.data(), last, value);
  if (ec != std::errc{} || ptr != last)
    return std::nullopt;
  return value;
}

/// Checks a text value; returns what was expected when `x` is not allowed.
using text_check = std::optional<std::string> (*)(std::string_view x);

template <class T>
spec integer(names name, T settings::*field, T min, T max,
             std::string_view noun = "an integer", std::string hint = "INT") {
  auto expected = "expected " + std::string{noun} + " from "
                  + std::to_string(min) + " to " + std::to_string(max);
  spec row{name, std::move(hint)};
  row.assign
    = [=](std::string_view text, settings& cfg) -> std::optional<std::string> {
    auto value = parse_integer<T>(text);
    if (!value || *value < min || *value > max)
      return expected;
    cfg.*field = *value;
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return std::to_string(cfg.*field);
  };
  return row;
}

/// A value from a fixed set of names, matched ignoring case.
template <class E>
spec choice(names name, E settings::*field,
            std::vector<std::pair<std::string_view, E>> options) {
  std::string expected = "expected one of ";
  std::string hint;
  for (const auto& option : options) {
    if (!hint.empty()) {
      expected += ", ";
      hint += '|';
    }
    expected += option.first;
    hint += option.first;
  }
  spec row{name, std::move(hint)};
  row.assign
    = [=](std::string_view text, settings& cfg) -> std::optional<std::string> {
    for (const auto& [key, value] : options) {
      if (iequals(text, key)) {
        cfg.*field = value;
        return std::nullopt;
      }
    }
    return expected;
  };
  row.show = [field, options](const settings& cfg) {
    for (const auto& [key, value] : options)
      if (cfg.*field == value)
        return std::string{key};
    return std::string{};
  };
  return row;
}

/// A port from 1 to 65535.
spec port(names name, std::uint16_t settings::*field);

/// A port this process listens on; no two listeners may share one.
spec listener(names name, std::uint16_t settings::*field);

spec boolean(names name, bool settings::*field);

/// Free text that `check` accepts.
spec text(names name, std::string settings::*field, text_check check,
          std::string hint = "TEXT");

/// A URL that `check` accepts; its password is never shown.
spec url(names name, std::string settings::*field, text_check check);

/// A secret of at least `min_size` bytes unless empty; never shown.
spec secret(names name, std::string settings::*field, std::size_t min_size,
            std::string expected);

/// A comma-separated list of `host:port` endpoints.
spec endpoints(names name, std::vector<endpoint> settings::*field,
               std::uint16_t default_port);

/// A comma-separated list of browser origins, `scheme://host[:port]`.
spec origins(names name, std::vector<std::string> settings::*field);

} // namespace av::config::detail
