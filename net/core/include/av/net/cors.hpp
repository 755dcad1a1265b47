#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace av::net {

/// Which browser origins may call the API (ALLOWED_ORIGINS). An entry `*`
/// allows any origin, but only while authentication is off: with
/// credentials in play the list must name origins.
class cors_policy {
public:
  cors_policy(std::vector<std::string> origins, bool auth_enabled);

  /// Returns whether a request carrying `origin` may proceed.
  bool allowed(std::string_view origin) const;

  /// Value for Access-Control-Allow-Origin: the origin itself, or `*`.
  std::string allow_origin(std::string_view origin) const;

  /// Returns whether a `*` entry was ignored because auth is on.
  bool wildcard_ignored() const { return wildcard_ignored_; }

private:
  std::vector<std::string> origins_;
  bool any_ = false;
  bool wildcard_ignored_ = false;
};

/// Whether `origin` is a page served from this machine: `http` or `https`
/// on `localhost`, `127.0.0.1` or `[::1]`, with any port or none. A
/// DNS-rebinding page carries its own, foreign name as its origin, so a
/// loopback origin is safe to accept on a loopback listener.
bool loopback_origin(std::string_view origin);

} // namespace av::net
