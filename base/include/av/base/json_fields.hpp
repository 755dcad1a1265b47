#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"

namespace av {

/// Names the first member of `x` that is not in `names`; none when all are.
parse_check known_fields(const nlohmann::json& x,
                         std::initializer_list<const char*> names);

} // namespace av
