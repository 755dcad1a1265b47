#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "av/base/parsed.hpp"

/// Host names, addresses and `host:port` endpoints as they appear in the
/// configuration.
namespace av {

/// A host and a port. IPv6 addresses are stored without brackets.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;

  /// Returns `host:port`, with brackets around an IPv6 host.
  std::string to_string() const;

  friend bool operator==(const endpoint& x, const endpoint& y) {
    return x.host == y.host && x.port == y.port;
  }

  friend bool operator!=(const endpoint& x, const endpoint& y) {
    return !(x == y);
  }
};

/// Returns whether `x` is a dotted-quad IPv4 address such as `10.0.0.1`.
bool is_ipv4_literal(std::string_view x);

/// Returns whether `x` is an IPv6 address without brackets, such as `::1`.
bool is_ipv6_literal(std::string_view x);

/// Returns whether `x` is a DNS host name (RFC 1123 labels, plus `_`). A
/// name whose last label is all digits is rejected because it can only be a
/// mistyped IPv4 address.
bool is_hostname(std::string_view x);

/// Returns whether `x` names a host: a host name, IPv4 or IPv6 address.
bool is_valid_host(std::string_view x);

/// Returns whether a listener may bind to `x`: an IPv4 or IPv6 address or
/// `localhost`. Other names are refused so that the choice of interface
/// never depends on DNS.
bool is_valid_bind_address(std::string_view x);

/// Parses a decimal port from 1 to 65535.
parsed<std::uint16_t> parse_port(std::string_view x);

/// Parses `host:port` or `[ipv6]:port`. When `default_port` is not 0 the
/// port may be left out. Errors are short details such as `missing port`;
/// the caller adds what it expected.
parsed<endpoint> parse_endpoint(std::string_view x,
                                std::uint16_t default_port = 0);

/// An `http://host[:port][/path]` URL, such as an OTLP/HTTP collector's
/// (`http://jaeger:4318`): where to connect and the path prefix, without a
/// trailing `/`.
struct http_url {
  endpoint where;
  std::string path;
};

/// Parses an `http://` URL; the port defaults to `default_port`. `https://`,
/// user info, queries and fragments are refused with a reason.
parsed<http_url> parse_http_url(std::string_view x, std::uint16_t default_port);

/// Parses a comma-separated list of endpoints; blanks around entries are
/// ignored and an empty or blank text yields an empty list. Errors name the
/// entry, e.g. `entry "b": missing port`.
parsed<std::vector<endpoint>>
parse_endpoint_list(std::string_view x, std::uint16_t default_port = 0);

} // namespace av
