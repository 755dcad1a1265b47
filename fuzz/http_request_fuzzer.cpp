// Feeds arbitrary bytes through what the server does with a request before
// any actor sees it: Beast's request parser with the server's limits, the
// target parser, the router and the body parsers of the routes whose
// parsers need no actor system. Nothing may crash, hang or leak.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "av/api/hooks.hpp"
#include "av/api/json_layout.hpp"
#include "av/http/router.hpp"
#include "av/net/trusted_proxies.hpp"

namespace {

namespace bhttp = boost::beast::http;
using av::http::verb;

/// The server's route patterns (net/api/src/*_routes.cpp); the router's
/// matching does not depend on the handlers.
const av::http::router& routes() {
  static const auto result = [] {
    av::http::router r;
    auto nop = [](av::http::api_call) {
    };
    for (auto [method, pattern] : std::vector<std::pair<verb, const char*>>{
           {verb::get, "/health"},
           {verb::get, "/ready"},
           {verb::get, "/api/agents"},
           {verb::post, "/api/agents"},
           {verb::get, "/api/agents/{id}"},
           {verb::delete_, "/api/agents/{id}"},
           {verb::put, "/api/agents/{id}/state"},
           {verb::post, "/api/agents/{id}/tasks"},
           {verb::post, "/api/agents/{id}/tasks/{task}/complete"},
           {verb::post, "/api/agents/{id}/metrics"},
           {verb::get, "/api/agents/{id}/metrics"},
           {verb::put, "/api/agents/{id}/position"},
           {verb::delete_, "/api/agents/{id}/position"},
           {verb::post, "/api/formations"},
           {verb::delete_, "/api/formations/{id}"},
           {verb::post, "/api/hooks/{event}"},
           {verb::get, "/api/coordinations"},
           {verb::post, "/api/coordinations"},
           {verb::get, "/api/coordinations/{id}"},
           {verb::post, "/api/messages"},
           {verb::get, "/api/snapshot"}})
      r.add(method, pattern, nop);
    return r;
  }();
  return result;
}

/// Proxies as a deployment behind a local reverse proxy would list them.
const av::net::trusted_proxies& proxies() {
  static const auto result
    = *av::net::trusted_proxies::parse("127.0.0.0/8, 10.0.0.0/8, ::1");
  return result;
}

std::string param(const av::http::param_list& xs, const char* name) {
  for (auto& [key, value] : xs)
    if (key == name)
      return value;
  return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  // The server's limits (http_server::limits).
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code err;
  auto used = parser.put(boost::asio::buffer(data, size), err);
  if (!err && used < size && !parser.is_done())
    parser.put(boost::asio::buffer(data + used, size - used), err);
  if (err || !parser.is_done())
    return 0;
  auto& req = parser.get();
  std::vector<std::string> path;
  av::http::param_list query;
  auto target = req.target();
  if (!av::http::parse_target({target.data(), target.size()}, path, query))
    return 0;
  // The client address from X-Forwarded-For, as a trusted peer sees it.
  auto forwarded = req["X-Forwarded-For"];
  std::string_view header{forwarded.data(), forwarded.size()};
  (void)proxies().client(boost::asio::ip::make_address("127.0.0.1"), header);
  (void)av::net::trusted_proxies::parse(header);
  // HEAD is answered by the GET route.
  auto method = req.method() == verb::head ? verb::get : req.method();
  auto found = routes().find(method, path);
  (void)av::http::allow_header(found.allowed);
  if (!found.hit)
    return 0;
  auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded())
    return 0;
  auto& pattern = found.hit->pattern;
  if (pattern == "/api/hooks/{event}")
    (void)av::hook_plan_from_json(param(found.params, "event"), body);
  else if (pattern == "/api/agents/{id}/position")
    (void)av::position_request_from_json(body);
  else if (pattern == "/api/formations")
    (void)av::formation_request_from_json(body);
  return 0;
}
