#include "av/http/api_error.hpp"

#include <caf/sec.hpp>

#include "av/error.hpp"

namespace av::http {

namespace {

api_error make(status code, const char* name, std::string message,
               int retry_after_s = 0) {
  api_error result;
  result.code = code;
  result.name = name;
  result.message = std::move(message);
  result.retry_after_s = retry_after_s;
  return result;
}

/// The context line of an error, without the code in front.
std::string line_of(const caf::error& err) {
  auto line = context_of(err);
  return line.empty() ? describe(err) : line;
}

/// The API error of a node error (`av::ec`): the one table of status codes.
api_error from_node_error(ec code, const std::string& text) {
  switch (code) {
    case ec::none: break;
    case ec::invalid_argument:
      return make(status::bad_request, "invalid_argument", text);
    case ec::not_found: return make(status::not_found, "not_found", text);
    case ec::invalid_transition:
      return make(status::conflict, "invalid_transition", text);
    case ec::agent_limit_reached:
      return make(status::conflict, "agent_limit_reached", text);
    case ec::too_many_spawns:
      return make(status::too_many_requests, "too_many_spawns", text, 1);
    case ec::queue_full: return make(status::conflict, "queue_full", text);
    case ec::conflict: return make(status::conflict, "conflict", text);
    case ec::terminated: return make(status::gone, "terminated", text);
    case ec::crashed:
      return make(status::internal_server_error, "crashed", text);
    case ec::unreachable: return make(status::not_found, "unreachable", text);
    case ec::timeout: return make(status::gateway_timeout, "timeout", text);
    case ec::finished: return make(status::conflict, "finished", text);
    case ec::store_full:
      return make(status::insufficient_storage, "store_full", text);
    case ec::node_unreachable:
      return make(status::service_unavailable, "node_unreachable", text);
  }
  return make(status::internal_server_error, "internal", text);
}

} // namespace

api_error from_caf(const caf::error& err) {
  auto text = line_of(err);
  if (err.category() == error_category) {
    auto result = from_node_error(static_cast<ec>(err.code()), text);
    result.field = field_of(err);
    return result;
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        return make(status::gateway_timeout, "timeout",
                    "the node did not answer in time (MCP_TIMEOUT)");
      case caf::sec::request_receiver_down:
        return make(status::gone, "gone", "the actor has ended");
      default: break;
    }
  }
  return make(status::internal_server_error, "internal", text);
}

api_error bad_request(const parse_error& err) {
  auto result = make(status::bad_request, "invalid_argument", err.message);
  result.field = err.field;
  return result;
}

nlohmann::json to_json(const api_error& err) {
  nlohmann::json body;
  body["code"] = err.name;
  body["message"] = err.message;
  body["field"]
    = err.field.empty() ? nlohmann::json{} : nlohmann::json(err.field);
  return nlohmann::json{{"error", std::move(body)}};
}

reply to_reply(const api_error& err) {
  reply result;
  result.code = err.code;
  result.body = to_json(err).dump(-1, ' ', false,
                                  nlohmann::json::error_handler_t::replace);
  if (err.retry_after_s > 0)
    result.headers.emplace_back("Retry-After",
                                std::to_string(err.retry_after_s));
  return result;
}

api_error internal_error() {
  api_error err;
  err.code = status::internal_server_error;
  err.name = "internal";
  err.message = "the server failed to handle the request";
  return err;
}

} // namespace av::http
