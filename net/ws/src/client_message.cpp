#include "av/ws/client_message.hpp"

namespace av::ws {

using json = nlohmann::json;

namespace {

/// Reads a list of strings; false if `x` is present and not one.
bool strings(const json& msg, const char* key, std::vector<std::string>& out) {
  auto i = msg.find(key);
  if (i == msg.end() || i->is_null())
    return true;
  if (!i->is_array())
    return false;
  for (auto& x : *i) {
    if (!x.is_string())
      return false;
    out.push_back(x.get<std::string>());
  }
  return true;
}

bool count(const json& msg, const char* key, uint32_t& out) {
  auto i = msg.find(key);
  if (i == msg.end() || i->is_null())
    return true;
  if (!i->is_number_unsigned() || i->get<uint64_t>() == 0
      || i->get<uint64_t>() > 1000000)
    return false;
  out = static_cast<uint32_t>(i->get<uint64_t>());
  return true;
}

/// Reads the frame format; absent or null means float.
bool format_of(const json& msg, frame_format& out) {
  auto i = msg.find("format");
  if (i == msg.end() || i->is_null())
    return true;
  return i->is_string() && parse(i->get<std::string>(), out);
}

/// The event kind named `name` (`agent.spawned`, …) as its `kind_bit`;
/// 0 for an unknown name.
uint32_t event_bit(const std::string& name) {
  for (uint8_t i = 0; i <= static_cast<uint8_t>(last_event_kind); ++i)
    if (name == to_string(static_cast<event_kind>(i)))
      return kind_bit(static_cast<event_kind>(i));
  return 0;
}

client_message invalid(const char* code, std::string text) {
  client_message out;
  out.code = code;
  out.error = std::move(text);
  return out;
}

client_message subscription(json msg, const ws_filter& defaults) {
  auto bad = [](std::string text) {
    return invalid("invalid_argument", std::move(text));
  };
  client_message out;
  auto& f = out.filter;
  f.max_agents = defaults.max_agents;
  f.fps = defaults.fps;
  std::vector<std::string> states;
  std::vector<std::string> events;
  if (!strings(msg, "types", f.types))
    return bad("types: expected strings");
  if (!strings(msg, "states", states))
    return bad("states: expected strings");
  if (!strings(msg, "coordinations", f.coordinations))
    return bad("coordinations: expected strings");
  if (!count(msg, "maxAgents", f.max_agents))
    return bad("maxAgents: expected a positive integer");
  if (!count(msg, "fps", f.fps))
    return bad("fps: expected a positive integer");
  if (!strings(msg, "events", events))
    return bad("events: expected strings");
  if (!format_of(msg, out.format))
    return bad(
      "format: expected \"float\" or \"quantized\", got "
      + msg["format"].dump(-1, ' ', false, json::error_handler_t::replace));
  if (msg.contains("events") && msg["events"].is_array()) {
    // Listed kinds only; an empty list streams frames alone.
    f.events = 0;
    for (auto& x : events) {
      auto bit = event_bit(x);
      if (bit == 0)
        return bad("events: unknown event type " + x);
      f.events |= bit;
    }
  }
  for (auto& x : states) {
    agent_state s;
    if (!parse(x, s))
      return bad("states: unknown state " + x);
    f.states.push_back(s);
  }
  if (msg.contains("token") && msg["token"].is_string())
    out.token = msg["token"].get<std::string>();
  out.what = client_message::kind::subscribe;
  out.doc = std::move(msg);
  return out;
}

} // namespace

client_message parse_client_message(std::string_view text,
                                    const ws_filter& defaults) {
  using kind = client_message::kind;
  auto msg = json::parse(text, nullptr, false);
  if (msg.is_discarded())
    return invalid("invalid_json", "the message is not valid JSON");
  if (!msg.is_object() || !msg.contains("type") || !msg["type"].is_string())
    return invalid("invalid_message",
                   "expected a JSON object with a string `type`");
  auto type = msg["type"].get<std::string>();
  if (type == "subscribe")
    return subscription(std::move(msg), defaults);
  client_message out;
  if (type == "unsubscribe") {
    out.what = kind::unsubscribe;
  } else if (type == "ping") {
    out.what = kind::ping;
  } else if (type == "auth") {
    if (!msg.contains("token") || !msg["token"].is_string())
      return invalid("invalid_message", "auth: `token` must be a string");
    out.what = kind::auth;
    out.token = msg["token"].get<std::string>();
  } else if (type == "command") {
    out.what = kind::command;
  } else {
    return invalid("unknown_type", "unknown message type `" + type + "`");
  }
  out.doc = std::move(msg);
  return out;
}

std::optional<command_error> parse_command(const json& msg,
                                           command_request& out) {
  out.id = msg.contains("id") ? msg["id"] : json{};
  if (auto tp = msg.find("traceparent"); tp != msg.end() && tp->is_string())
    out.traceparent = tp->get<std::string>();
  if (!msg.contains("method") || !msg["method"].is_string()
      || !msg.contains("path") || !msg["path"].is_string())
    return command_error{http::status::bad_request, "invalid_argument",
                         "command: `method` and `path` must be strings"};
  out.method_name = msg["method"].get<std::string>();
  out.method = boost::beast::http::string_to_verb(out.method_name);
  if (out.method == http::verb::unknown || out.method == http::verb::options
      || !http::parse_target(msg["path"].get<std::string>(), out.path,
                             out.query))
    return command_error{http::status::bad_request, "bad_request",
                         "command: unknown method or malformed path"};
  out.body = msg.contains("body") ? msg["body"] : json::object();
  if (out.body.is_null())
    out.body = json::object();
  out.body_ok = out.body.is_object();
  return std::nullopt;
}

} // namespace av::ws
