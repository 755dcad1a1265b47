#pragma once

#include <string>

#include <nlohmann/json.hpp>

/// JSON-RPC 2.0 as MCP uses it: one message per POST body or stdio line,
/// no batches (removed from MCP in 2025-06-18).
namespace av::mcp::rpc {

using json = nlohmann::json;

/// Error codes of JSON-RPC 2.0 and the MCP ones we send.
enum code : int {
  parse_error = -32700,
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  /// Not in JSON-RPC: the MCP session is unknown or has expired.
  session_not_found = -32001,
};

/// What a received message is.
enum class kind {
  /// Has `method` and `id`: needs an answer.
  request,
  /// Has `method` and no `id`: needs none.
  notification,
  /// Has `id` and `result` or `error`: answers a request of ours.
  response,
  /// Anything else; `message::error` says what is wrong.
  invalid,
};

/// A classified message. `id` is null for notifications and for invalid
/// messages whose id could not be read.
struct message {
  rpc::kind kind = rpc::kind::invalid;
  json id;
  std::string method;
  /// The `params` object; an empty object when absent.
  json params = json::object();
  /// For invalid messages: why.
  std::string error;
};

/// Classifies a parsed JSON value.
message classify(const json& x);

/// Parses text and classifies it; text that is not JSON gives an invalid
/// message with error "parse error" (answer with `parse_error`).
message parse(const std::string& text, bool& parse_failed);

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
json result(const json& id, json value);

/// `{"jsonrpc":"2.0","id":…,"error":{"code","message","data"?}}`.
json error(const json& id, int code, const std::string& text,
           json data = nullptr);

} // namespace av::mcp::rpc
