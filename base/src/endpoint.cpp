#include "av/base/endpoint.hpp"
#include "av/base/text.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace av {

namespace {

// inet_pton wants a NUL-terminated string; anything longer than the longest
// address text is rejected before copying.
bool is_address(int family, std::string_view x) {
  if (x.empty() || x.size() >= INET6_ADDRSTRLEN)
    return false;
  std::string str{x};
  in6_addr buf;
  return inet_pton(family, str.c_str(), &buf) == 1;
}

// Underscores are outside RFC 1123 but common in container service names,
// which resolve fine in practice.
bool is_label(std::string_view x) {
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'
           || c == '_';
  };
  return !x.empty() && x.size() <= 63 && x.front() != '-' && x.back() != '-'
         && std::all_of(x.begin(), x.end(), ok);
}

} // namespace

std::string endpoint::to_string() const {
  auto port_str = std::to_string(port);
  if (host.find(':') != std::string::npos)
    return '[' + host + "]:" + port_str;
  return host + ':' + port_str;
}

bool is_ipv4_literal(std::string_view x) {
  return is_address(AF_INET, x);
}

bool is_ipv6_literal(std::string_view x) {
  return is_address(AF_INET6, x);
}

bool is_hostname(std::string_view x) {
  if (x.empty() || x.size() > 253)
    return false;
  std::string_view last;
  for (;;) {
    auto dot = x.find('.');
    last = x.substr(0, dot);
    if (!is_label(last))
      return false;
    if (dot == std::string_view::npos)
      break;
    x.remove_prefix(dot + 1);
  }
  return !all_digits(last);
}

bool is_valid_host(std::string_view x) {
  return is_hostname(x) || is_ipv4_literal(x) || is_ipv6_literal(x);
}

bool is_valid_bind_address(std::string_view x) {
  return x == "localhost" || is_ipv4_literal(x) || is_ipv6_literal(x);
}

parsed<std::uint16_t> parse_port(std::string_view x) {
  // Five digits at most keeps the sum below overflow.
  if (!all_digits(x) || x.size() > 5)
    return parse_error{"expected a port from 1 to 65535"};
  unsigned value = 0;
  for (auto c : x)
    value = value * 10 + static_cast<unsigned>(c - '0');
  if (value < 1 || value > 65535)
    return parse_error{"expected a port from 1 to 65535"};
  return static_cast<std::uint16_t>(value);
}

parsed<endpoint> parse_endpoint(std::string_view x,
                                std::uint16_t default_port) {
  std::string_view host;
  std::string_view rest; // ":port" or empty
  if (!x.empty() && x.front() == '[') {
    auto close = x.find(']');
    if (close == std::string_view::npos)
      return parse_error{"missing ']'"};
    host = x.substr(1, close - 1);
    rest = x.substr(close + 1);
    if (!is_ipv6_literal(host))
      return parse_error{"not an IPv6 address inside [ ]"};
    if (!rest.empty() && rest.front() != ':')
      return parse_error{"unexpected text after ']'"};
  } else {
    auto colon = x.find(':');
    if (colon != std::string_view::npos
        && x.find(':', colon + 1) != std::string_view::npos)
      return parse_error{"IPv6 addresses need brackets"};
    host = x.substr(0, colon);
    rest
      = colon == std::string_view::npos ? std::string_view{} : x.substr(colon);
    if (host.empty())
      return parse_error{"missing host"};
    if (!is_hostname(host) && !is_ipv4_literal(host))
      return parse_error{"not a host name or IP address"};
  }
  if (rest.empty()) {
    if (default_port == 0)
      return parse_error{"missing port"};
    return endpoint{std::string{host}, default_port};
  }
  auto port = parse_port(rest.substr(1));
  if (!port)
    return parse_error{"the port must be from 1 to 65535"};
  return endpoint{std::string{host}, *port};
}

parsed<http_url> parse_http_url(std::string_view x,
                                std::uint16_t default_port) {
  constexpr std::string_view scheme = "http://";
  if (x.substr(0, 8) == "https://")
    return parse_error{"https:// is not supported; use http:// (a collector "
                       "next to the node, or a TLS proxy)"};
  if (x.substr(0, scheme.size()) != scheme)
    return parse_error{"expected http://host[:port][/path]"};
  auto rest = x.substr(scheme.size());
  if (rest.find_first_of("?#@") != std::string_view::npos)
    return parse_error{"expected http://host[:port][/path] without user, "
                       "query or fragment"};
  auto slash = rest.find('/');
  auto where = parse_endpoint(rest.substr(0, slash), default_port);
  if (!where)
    return parse_error{where.error() + "; expected http://host[:port][/path]"};
  http_url result{*where, ""};
  if (slash != std::string_view::npos)
    result.path = std::string{rest.substr(slash)};
  while (!result.path.empty() && result.path.back() == '/')
    result.path.pop_back();
  return result;
}

parsed<std::vector<endpoint>> parse_endpoint_list(std::string_view x,
                                                  std::uint16_t default_port) {
  std::vector<endpoint> result;
  if (trim(x).empty())
    return result;
  for (;;) {
    auto comma = x.find(',');
    auto entry = trim(x.substr(0, comma));
    if (entry.empty())
      return parse_error{"empty entry"};
    auto ep = parse_endpoint(entry, default_port);
    if (!ep)
      return parse_error{"entry \"" + std::string{entry} + "\": " + ep.error()};
    result.push_back(*std::move(ep));
    if (comma == std::string_view::npos)
      return result;
    x.remove_prefix(comma + 1);
  }
}

} // namespace av
