#include "av/base/json_fields.hpp"

namespace av {

bool known_fields(const nlohmann::json& x,
                  std::initializer_list<const char*> names, std::string& err) {
  for (auto& kvp : x.items()) {
    bool known = false;
    for (auto name : names)
      known = known || kvp.key() == name;
    if (!known) {
      err = kvp.key() + ": unknown field";
      return false;
    }
  }
  return true;
}

} // namespace av
