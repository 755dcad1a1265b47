#include "av/http/router.hpp"

#include <algorithm>

#include "av/base/text.hpp"

namespace av::http {

namespace {

bool is_placeholder(const std::string& x) {
  return x.size() > 2 && x.front() == '{' && x.back() == '}';
}

/// Percent-decodes `x`; `plus_is_space` for query parts.
bool decode(std::string_view x, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (c == '%') {
      if (i + 2 >= x.size())
        return false;
      auto hi = hex_value(x[i + 1]);
      auto lo = hex_value(x[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  // Decoded NULs have no business in ids or names.
  return out.find('\0') == std::string::npos;
}

std::vector<std::string_view> split(std::string_view x, char sep) {
  std::vector<std::string_view> result;
  while (!x.empty()) {
    auto pos = x.find(sep);
    auto part = x.substr(0, pos);
    if (!part.empty())
      result.push_back(part);
    if (pos == std::string_view::npos)
      break;
    x.remove_prefix(pos + 1);
  }
  return result;
}

} // namespace

void router::add(verb method, std::string pattern, http::handler fn,
                 http::access rule) {
  route x{method, std::move(pattern), {}, std::move(fn), rule};
  for (auto part : split(x.pattern, '/'))
    x.segments.emplace_back(part);
  routes_.push_back(std::move(x));
}

router::match router::find(verb method,
                           const std::vector<std::string>& path) const {
  match result;
  for (auto& x : routes_) {
    if (x.segments.size() != path.size())
      continue;
    param_list params;
    bool ok = true;
    for (size_t i = 0; ok && i < path.size(); ++i) {
      if (is_placeholder(x.segments[i]))
        params.emplace_back(x.segments[i].substr(1, x.segments[i].size() - 2),
                            path[i]);
      else
        ok = x.segments[i] == path[i];
    }
    if (!ok)
      continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), x.method)
        == result.allowed.end())
      result.allowed.push_back(x.method);
    if (x.method == method && result.hit == nullptr) {
      result.hit = &x;
      result.params = std::move(params);
    }
  }
  return result;
}

bool parse_target(std::string_view target, std::vector<std::string>& path,
                  param_list& query) {
  path.clear();
  query.clear();
  if (target.empty() || target.front() != '/')
    return false;
  auto qpos = target.find('?');
  auto raw_path = target.substr(0, qpos);
  if (auto hash = raw_path.find('#'); hash != std::string_view::npos)
    raw_path = raw_path.substr(0, hash);
  std::string decoded;
  for (auto part : split(raw_path, '/')) {
    if (!decode(part, false, decoded))
      return false;
    path.push_back(decoded);
  }
  if (qpos == std::string_view::npos)
    return true;
  auto raw_query = target.substr(qpos + 1);
  if (auto hash = raw_query.find('#'); hash != std::string_view::npos)
    raw_query = raw_query.substr(0, hash);
  for (auto pair : split(raw_query, '&')) {
    auto eq = pair.find('=');
    std::string key;
    std::string value;
    if (!decode(pair.substr(0, eq), true, key))
      return false;
    if (eq != std::string_view::npos
        && !decode(pair.substr(eq + 1), true, value))
      return false;
    query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string allow_header(const std::vector<verb>& methods) {
  std::string result;
  for (auto m : methods) {
    result += std::string{boost::beast::http::to_string(m)};
    result += ", ";
    // Every GET route answers HEAD.
    if (m == verb::get)
      result += "HEAD, ";
  }
  result += "OPTIONS";
  return result;
}

} // namespace av::http
