#include "av/conninfo.hpp"

namespace av::persistence {

namespace {

/// Quotes a libpq keyword value: single quotes, with `\` and `'` escaped.
std::string quoted(const std::string& x) {
  std::string result = "'";
  for (auto c : x) {
    if (c == '\\' || c == '\'')
      result += '\\';
    result += c;
  }
  result += '\'';
  return result;
}

void add(std::string& out, const char* key, const std::string& value) {
  if (value.empty())
    return;
  if (!out.empty())
    out += ' ';
  out += key;
  out += '=';
  out += quoted(value);
}

} // namespace

std::string to_conninfo(const connection_url& url) {
  std::string result;
  add(result, "host", url.host);
  add(result, "port", url.port ? std::to_string(url.port) : std::string{});
  add(result, "user", url.user);
  add(result, "password", url.password);
  add(result, "dbname", url.database);
  for (const auto& [key, value] : url.params) {
    if (!result.empty())
      result += ' ';
    result += key + '=' + quoted(value);
  }
  return result;
}

std::string to_conninfo(connection_url url, const std::string& database) {
  url.database = database;
  return to_conninfo(url);
}

} // namespace av::persistence
