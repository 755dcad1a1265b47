#include "av/base/connection_url.hpp"

#include <algorithm>
#include <cctype>

#include "av/base/endpoint.hpp"
#include "av/base/percent_encoding.hpp"

namespace av {

namespace {

/// What differs between the two kinds of URL.
struct url_kind {
  bool redis;
  std::uint16_t default_port;
  std::string_view format_hint;
};

constexpr url_kind postgres_kind{
  false, 5432,
  "expected a postgresql:// URL (postgresql://user:password@host:5432/dbname)"};

constexpr url_kind redis_kind{
  true, 6379, "expected a redis:// URL (redis://:password@host:6379/0)"};

parse_error fail(const url_kind& kind, std::string_view detail) {
  std::string msg{detail};
  msg += "; ";
  msg += kind.format_hint;
  return {std::move(msg)};
}

/// Returns the scheme of `text` in lower case, or an empty string when it
/// has no `scheme://` prefix.
std::string scheme_of(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return {};
  std::string result{text.substr(0, sep)};
  for (auto& c : result)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

/// Splits `user[:password]` into `url`.
std::optional<parse_error> parse_userinfo(const url_kind& kind,
                                          std::string_view userinfo,
                                          connection_url& url) {
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos && kind.redis)
    return fail(kind, "the credentials must be [user]:password@");
  auto user = detail::percent_decode(userinfo.substr(0, colon));
  auto password = colon == std::string_view::npos
                    ? std::optional<std::string>{std::string{}}
                    : detail::percent_decode(userinfo.substr(colon + 1));
  if (!user || !password)
    return fail(kind, "bad %-escape in the user or password");
  url.user = std::move(*user);
  url.password = std::move(*password);
  return std::nullopt;
}

/// Reads `host[:port]` into `url`. PostgreSQL also takes a %-encoded socket
/// directory such as `%2Frun%2Fpostgresql` and an empty host.
std::optional<parse_error> parse_hostport(const url_kind& kind,
                                          std::string_view hostport,
                                          connection_url& url) {
  url.port = kind.default_port;
  if (hostport.find(',') != std::string_view::npos)
    return fail(kind, "several hosts are not supported");
  std::string_view port_text;
  if (!kind.redis && hostport.find('%') != std::string_view::npos) {
    auto colon = hostport.rfind(':');
    auto host = detail::percent_decode(hostport.substr(0, colon));
    if (!host || host->empty() || host->front() != '/')
      return fail(kind, "a %-encoded host must be a socket directory");
    url.host = std::move(*host);
    if (colon == std::string_view::npos)
      return std::nullopt;
    port_text = hostport.substr(colon + 1);
  } else if (hostport.empty()) {
    return std::nullopt;
  } else if (hostport.front() == ':') {
    port_text = hostport.substr(1);
  } else {
    auto ep = parse_endpoint(hostport, kind.default_port);
    if (!ep)
      return fail(kind, ep.error());
    url.host = ep->host;
    url.port = ep->port;
    return std::nullopt;
  }
  auto port = parse_port(port_text);
  if (!port)
    return fail(kind, "the port must be from 1 to 65535");
  url.port = *port;
  return std::nullopt;
}

/// Reads `k=v&k=v` into `url.params`.
std::optional<parse_error>
parse_query(const url_kind& kind, std::string_view query, connection_url& url) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (item.empty())
      continue;
    auto eq = item.find('=');
    auto key = detail::percent_decode(item.substr(0, eq));
    auto value = eq == std::string_view::npos
                   ? std::optional<std::string>{std::string{}}
                   : detail::percent_decode(item.substr(eq + 1));
    if (!key || !value || key->empty())
      return fail(kind, "bad query parameter");
    url.params.emplace_back(std::move(*key), std::move(*value));
  }
  return std::nullopt;
}

/// Reads the database after the `/`: a name for PostgreSQL, an index for
/// Redis.
std::optional<parse_error> parse_database(const url_kind& kind,
                                          std::string_view path,
                                          connection_url& url) {
  if (!kind.redis) {
    auto name = detail::percent_decode(path);
    if (!name)
      return fail(kind, "bad %-escape in the database name");
    url.database = std::move(*name);
    return std::nullopt;
  }
  if (path.empty())
    return std::nullopt;
  // Nine digits stay below INT_MAX.
  if (path.size() > 9 || !std::all_of(path.begin(), path.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return fail(kind, "the database must be a number such as /0");
  url.db_index = std::stoi(std::string{path});
  return std::nullopt;
}

/// Takes apart everything after `scheme://`.
parsed<connection_url> parse_rest(const url_kind& kind, std::string scheme,
                                  std::string_view rest) {
  connection_url url;
  url.scheme = std::move(scheme);
  if (rest.find('#') != std::string_view::npos)
    return fail(kind, "a URL fragment (#) is not allowed");
  auto authority_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{}
                                                 : rest.substr(authority_end);
  // The last '@' ends the credentials, so a stray '@' in a password works.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    if (auto err = parse_userinfo(kind, authority.substr(0, at), url))
      return *err;
    authority.remove_prefix(at + 1);
  }
  if (auto err = parse_hostport(kind, authority, url))
    return *err;
  auto query_start = rest.find('?');
  auto path = rest.substr(0, query_start);
  if (!path.empty())
    path.remove_prefix(1);
  if (auto err = parse_database(kind, path, url))
    return *err;
  if (query_start != std::string_view::npos)
    if (auto err = parse_query(kind, rest.substr(query_start + 1), url))
      return *err;
  return url;
}

} // namespace

parsed<connection_url> parse_postgres_url(std::string_view text) {
  auto scheme = scheme_of(text);
  if (scheme != "postgresql" && scheme != "postgres")
    return parse_error{std::string{postgres_kind.format_hint}};
  auto result
    = parse_rest(postgres_kind, std::string{text.substr(0, scheme.size())},
                 text.substr(scheme.size() + 3));
  if (!result)
    return result;
  auto has_host_param = std::any_of(
    result->params.begin(), result->params.end(),
    [](const auto& kv) { return kv.first == "host" && !kv.second.empty(); });
  if (result->host.empty() && !has_host_param)
    return fail(postgres_kind, "missing host");
  return result;
}

parsed<connection_url> parse_redis_url(std::string_view text) {
  auto scheme = scheme_of(text);
  if (scheme == "rediss")
    return parse_error{
      "TLS (rediss://) is not supported by the client library (hiredis "
      "0.14); use redis:// through stunnel or a TLS proxy"};
  if (scheme != "redis")
    return parse_error{std::string{redis_kind.format_hint}};
  auto result
    = parse_rest(redis_kind, std::string{text.substr(0, scheme.size())},
                 text.substr(scheme.size() + 3));
  if (result && result->host.empty())
    return fail(redis_kind, "missing host");
  return result;
}

} // namespace av
