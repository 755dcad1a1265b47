#pragma once

#include <caf/settings.hpp>
#include <nlohmann/json.hpp>

namespace av::shell {

/// A status answer (or any CAF settings) as JSON: numbers, booleans and
/// strings as themselves, durations and atoms as text, lists and maps as
/// arrays and objects.
nlohmann::json status_json(const caf::settings& xs);

} // namespace av::shell
