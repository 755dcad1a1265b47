#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "av/http/api_call.hpp"

namespace av::http {

using verb = boost::beast::http::verb;

/// Answers one request; runs on the connection's strand and must not block
/// (actor work goes through `api_env::act`).
using handler = std::function<void(api_call)>;

/// A route's access rule.
enum class access {
  /// Follows the auth settings: writes need credentials, reads with
  /// READ_AUTH.
  standard,
  /// Never needs credentials (probes such as /health).
  open,
};

/// Method plus path pattern to handler. Patterns are literal segments and
/// `{name}` placeholders, e.g. `/api/agents/{id}/tasks`.
class router {
public:
  struct route {
    verb method;
    std::string pattern;
    std::vector<std::string> segments;
    http::handler fn;
    http::access rule;
  };

  /// What `find` found for a method and path.
  struct match {
    /// The route for the method, or null.
    const route* hit = nullptr;
    param_list params;
    /// Methods some route takes at this path; empty for an unknown path.
    std::vector<verb> allowed;
  };

  void add(verb method, std::string pattern, http::handler fn,
           http::access rule = access::standard);

  /// Matches decoded path segments.
  match find(verb method, const std::vector<std::string>& path) const;

  const std::vector<route>& routes() const { return routes_; }

private:
  std::vector<route> routes_;
};

/// Splits a request target into decoded path segments and query pairs.
/// Returns false for a target that is not origin-form or has a bad
/// percent-escape.
bool parse_target(std::string_view target, std::vector<std::string>& path,
                  param_list& query);

/// `GET, HEAD, POST, OPTIONS` for an Allow header (HEAD with every GET).
std::string allow_header(const std::vector<verb>& methods);

} // namespace av::http
