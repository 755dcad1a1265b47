#include "av/net/cors.hpp"

#include <algorithm>
#include <strings.h>

namespace av::net {

cors_policy::cors_policy(std::vector<std::string> origins, bool auth_enabled) {
  for (auto& x : origins) {
    if (x == "*") {
      if (auth_enabled)
        wildcard_ignored_ = true;
      else
        any_ = true;
    } else {
      origins_.push_back(std::move(x));
    }
  }
}

bool cors_policy::allowed(std::string_view origin) const {
  if (any_)
    return true;
  // Scheme and host are case-insensitive; the configured entries are
  // normalized already.
  return std::any_of(origins_.begin(), origins_.end(), [&](auto& x) {
    return x.size() == origin.size()
           && strncasecmp(x.data(), origin.data(), x.size()) == 0;
  });
}

std::string cors_policy::allow_origin(std::string_view origin) const {
  if (any_)
    return "*";
  return std::string{origin};
}

} // namespace av::net
