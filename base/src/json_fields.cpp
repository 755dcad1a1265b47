#include "av/base/json_fields.hpp"

namespace av {

parse_check known_fields(const nlohmann::json& x,
                         std::initializer_list<const char*> names) {
  for (auto& kvp : x.items()) {
    bool known = false;
    for (auto name : names)
      known = known || kvp.key() == name;
    if (!known)
      return field_error(kvp.key(), "unknown field");
  }
  return std::nullopt;
}

} // namespace av
