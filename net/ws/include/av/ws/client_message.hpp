#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "av/http/api_call.hpp"
#include "av/http/reply.hpp"
#include "av/http/router.hpp"
#include "av/ws/filter.hpp"
#include "av/ws/frame.hpp"

/// A viewer's text messages as the WebSocket session reads them
/// (docs/protocol.md, "Client messages"), apart from the session so that
/// they can be tested and fuzzed without an actor system.
namespace av::ws {

/// One client message, checked.
struct client_message {
  enum class kind { invalid, subscribe, unsubscribe, ping, auth, command };

  kind what = kind::invalid;
  /// invalid: the code and text of the `error` answer.
  const char* code = "";
  std::string error;
  /// The message itself: ping echoes its `id`, command reads its fields.
  nlohmann::json doc;
  /// subscribe: what the viewer wants to see, and in which frame form.
  ws_filter filter;
  frame_format format = frame_format::float32;
  /// auth, and subscribe when it carries one.
  std::optional<std::string> token;
};

/// Parses one text message; `defaults` holds the limits a subscription
/// starts from (MAX_VISIBLE_AGENTS, the frame rate).
client_message parse_client_message(std::string_view text,
                                    const ws_filter& defaults);

/// A `command` message: an HTTP API call over the stream.
struct command_request {
  nlohmann::json id;
  /// The caller's W3C trace context, when it sent one.
  std::string traceparent;
  std::string method_name = "-";
  http::verb method = http::verb::unknown;
  std::vector<std::string> path;
  http::param_list query;
  /// The request body; null and absent mean `{}`. Checked after the route
  /// and the credentials, as the HTTP API does.
  nlohmann::json body;
  bool body_ok = true;
};

/// Why a command was refused before it reached a route.
struct command_error {
  http::status code;
  const char* name;
  std::string message;
};

/// Reads the fields of a `command`; an error for a missing or malformed
/// method or path. `out` keeps what was read up to the error.
std::optional<command_error> parse_command(const nlohmann::json& msg,
                                           command_request& out);

} // namespace av::ws
