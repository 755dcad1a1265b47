#include "av/net/cors.hpp"

#include <algorithm>
#include <strings.h>

namespace av::net {

namespace {

/// Scheme and host of an origin compare without case.
bool same_text(std::string_view x, std::string_view y) {
  return x.size() == y.size() && strncasecmp(x.data(), y.data(), x.size()) == 0;
}

} // namespace

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
  return std::any_of(origins_.begin(), origins_.end(),
                     [&](auto& x) { return same_text(x, origin); });
}

std::string cors_policy::allow_origin(std::string_view origin) const {
  if (any_)
    return "*";
  return std::string{origin};
}

bool loopback_origin(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos)
    return false;
  auto scheme = origin.substr(0, sep);
  if (!same_text(scheme, "http") && !same_text(scheme, "https"))
    return false;
  auto rest = origin.substr(sep + 3);
  // The host ends where the port starts; an IPv6 host is bracketed.
  auto host_end
    = rest.substr(0, 1) == "[" ? rest.find(']') + 1 : rest.find(':');
  if (host_end == 0)
    return false;
  auto host = rest.substr(0, host_end);
  if (!same_text(host, "localhost") && host != "127.0.0.1" && host != "[::1]")
    return false;
  if (host_end >= rest.size())
    return true;
  // An origin is scheme, host and port only: anything after the port
  // (`@evil.example`, a path) makes it another origin or none.
  auto port = rest.substr(host_end);
  return port.size() >= 2 && port.size() <= 6 && port[0] == ':'
         && std::all_of(port.begin() + 1, port.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace av::net
