#include "av/http/api_error.hpp"

#include <cctype>

#include <caf/sec.hpp>

#include "av/error.hpp"

namespace av::http {

namespace {

api_error make(status code, const char* name, std::string message,
               int retry_after_s = 0) {
  api_error result;
  result.code = code;
  result.name = name;
  result.field = field_of(message);
  result.message = std::move(message);
  result.retry_after_s = retry_after_s;
  return result;
}

/// The context line of an error, without the code in front.
std::string context_of(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return describe(err);
}

} // namespace

std::string field_of(std::string_view text) {
  auto colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 64)
    return {};
  auto name = text.substr(0, colon);
  if (!std::isalpha(static_cast<unsigned char>(name.front())))
    return {};
  for (auto c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.')
      return {};
  return std::string{name};
}

api_error from_caf(const caf::error& err) {
  auto text = context_of(err);
  if (err.category() == error_category) {
    switch (static_cast<ec>(err.code())) {
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
    }
  } else if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        return make(status::gateway_timeout, "timeout",
                    "the node did not answer in time (MCP_TIMEOUT)");
      case caf::sec::request_receiver_down:
        return make(status::gone, "gone", "the actor has ended");
      default: break;
    }
  }
  auto result = make(status::internal_server_error, "internal", text);
  result.field.clear();
  return result;
}

api_error bad_request(std::string text) {
  return make(status::bad_request, "invalid_argument", std::move(text));
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
