#include "av/base/connection_url.hpp"

#include <cctype>

#include "av/base/percent_encoding.hpp"

namespace av {

namespace {

constexpr std::string_view mask = "***";

std::string lower(std::string_view x) {
  std::string result{x};
  for (auto& c : result)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

bool is_secret_param(std::string_view key) {
  return lower(key).find("password") != std::string::npos;
}

/// Masks the values of secret parameters in `query` (the text after `?`).
std::string redact_query(std::string_view query) {
  std::string result;
  while (true) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && is_secret_param(item.substr(0, eq))) {
      result += item.substr(0, eq + 1);
      result += mask;
    } else {
      result += item;
    }
    if (amp == std::string_view::npos)
      return result;
    result += '&';
    query.remove_prefix(amp + 1);
  }
}

} // namespace

std::string connection_url::redacted() const {
  using detail::percent_encode;
  // The scheme is kept as written, and schemes are case-insensitive.
  bool redis = lower(scheme) == "redis";
  std::string result = scheme + "://";
  if (!user.empty() || !password.empty()) {
    result += percent_encode(user);
    // Redis credentials always have the ':' (`user:@` is valid there).
    if (!password.empty() || redis)
      result += ':';
    if (!password.empty())
      result += mask;
    result += '@';
  }
  // A socket directory first: it may hold a ':' without being IPv6.
  if (!host.empty() && host.front() == '/')
    result += percent_encode(host);
  else if (host.find(':') != std::string::npos)
    result += '[' + host + ']';
  else
    result += host;
  result += ':' + std::to_string(port);
  if (redis)
    result += '/' + std::to_string(db_index);
  else if (!database.empty())
    result += '/' + percent_encode(database);
  char sep = '?';
  for (const auto& [key, value] : params) {
    result += sep;
    result += percent_encode(key);
    result += '=';
    if (is_secret_param(key))
      result += mask;
    else
      result += percent_encode(value);
    sep = '&';
  }
  return result;
}

std::string redact_url(std::string_view text) {
  auto sep = text.find("://");
  auto start = sep == std::string_view::npos ? 0 : sep + 3;
  std::string result;
  // The last '@' ends the credentials, as in the parsers; cutting there can
  // only hide too much, never too little.
  auto at = text.rfind('@');
  if (at != std::string_view::npos && at >= start) {
    auto userinfo = text.substr(start, at - start);
    auto colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      result = text.substr(0, start + colon + 1);
      result += mask;
    } else if (lower(text.substr(0, 5)) == "redis") {
      // Redis credentials without ':' are no user name but a misplaced
      // password.
      result = text.substr(0, start);
      result += mask;
    } else {
      result = text.substr(0, at);
    }
    text.remove_prefix(at);
  }
  auto query = text.find('?');
  result += text.substr(0, query);
  if (query != std::string_view::npos) {
    result += '?';
    result += redact_query(text.substr(query + 1));
  }
  return result;
}

} // namespace av
