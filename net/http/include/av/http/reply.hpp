#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/status.hpp>

namespace av::http {

using status = boost::beast::http::status;

/// Extra response headers as name-value pairs.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// What a handler answers: status, JSON text and extra headers. The session
/// adds the headers every response carries (content type, CORS, keep-alive).
struct reply {
  http::status code = status::ok;
  std::string body;
  header_list headers;
};

} // namespace av::http
