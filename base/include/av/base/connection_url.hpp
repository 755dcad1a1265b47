#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "av/base/parsed.hpp"

namespace av {

/// A PostgreSQL or Redis connection URL taken apart. User, password,
/// database and parameter values are percent-decoded.
struct connection_url {
  /// As written: `postgresql`, `postgres` or `redis`.
  std::string scheme;

  std::string user;

  /// Secret: never log it, use `redacted()`.
  std::string password;

  /// Host name or address (IPv6 without brackets), or a socket directory
  /// starting with `/`. Empty when PostgreSQL gets it from `?host=`.
  std::string host;

  /// 5432 or 6379 when the URL names none.
  std::uint16_t port = 0;

  /// PostgreSQL database name; empty means the server's default.
  std::string database;

  /// Redis logical database.
  int db_index = 0;

  /// Query parameters in order, such as `sslmode=require`.
  std::vector<std::pair<std::string, std::string>> params;

  /// Returns the URL with the password, and any parameter whose name
  /// contains `password`, replaced by `***`.
  std::string redacted() const;
};

/// Parses `postgresql://[user[:password]@][host][:port][/database][?k=v&..]`
/// (`postgres://` too). The host may be left out when a `host` parameter
/// names it, e.g. `postgresql:///av?host=/run/postgresql`.
parsed<connection_url> parse_postgres_url(std::string_view text);

/// Parses `redis://[[user]:password@]host[:port][/db]`. `rediss://` is
/// rejected: the client library (hiredis 0.14) has no TLS.
parsed<connection_url> parse_redis_url(std::string_view text);

/// Hides the secrets of `text` even when it is no valid URL: the password
/// after `user:` and values of `password` parameters become `***`. Use it
/// to quote a URL in an error message.
std::string redact_url(std::string_view text);

} // namespace av
