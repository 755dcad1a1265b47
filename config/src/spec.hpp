#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "av/config.hpp"

namespace av::config::detail {

/// How a value may appear in error messages and in `describe`.
enum class exposure {
  plain,
  /// Never shown.
  secret,
  /// Shown with its password masked.
  url,
};

/// Names and help text of one setting.
struct names {
  std::string_view env;
  std::string_view flag;
  std::string_view doc;
  /// An older environment name, read only when `env` is unset.
  std::string_view alias = {};
};

/// One row of the settings table: everything parsing, validation, help and
/// `describe` need to know about a setting.
struct spec {
  names name;
  /// Placeholder for the value in --help, such as `PORT`.
  std::string hint;
  exposure shown = exposure::plain;
  /// Booleans take their flag alone for `true`, or `--flag=VALUE`.
  bool is_bool = false;
  /// A port the process listens on; these must differ from each other.
  bool listener = false;
  /// Parses `text` into the field of `cfg`; on failure returns what would
  /// have been allowed, e.g. `expected an integer from 1 to 240`.
  std::function<std::optional<std::string>(std::string_view text,
                                           settings& cfg)>
    assign = {};
  /// Renders the field of `cfg` the way `assign` reads it.
  std::function<std::string(const settings& cfg)> show = {};
};

/// Returns the table of all settings, in the order of docs/configuration.md.
const std::vector<spec>& table();

/// Returns `value` as `describe` and error messages may show it.
std::string redact(const spec& row, const std::string& value);

} // namespace av::config::detail
