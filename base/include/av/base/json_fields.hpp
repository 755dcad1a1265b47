#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace av {

/// Returns false and names the first member of `x` that is not in `names`.
bool known_fields(const nlohmann::json& x,
                  std::initializer_list<const char*> names, std::string& err);

} // namespace av
