#include "av/mcp/json_rpc.hpp"

namespace av::mcp::rpc {

namespace {

message invalid(json id, std::string why) {
  message result;
  result.kind = kind::invalid;
  result.id = std::move(id);
  result.error = std::move(why);
  return result;
}

/// Arrays and objects nested deeper than this are refused before parsing:
/// copying or destroying a value recurses once per level.
constexpr size_t max_depth = 64;

bool shallow(const std::string& text) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

bool valid_id(const json& id) {
  // JSON-RPC allows strings and numbers; MCP forbids null ids.
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

} // namespace

message classify(const json& x) {
  if (!x.is_object())
    return invalid(nullptr, x.is_array() ? "batches are not supported"
                                         : "expected a JSON object");
  auto id_it = x.find("id");
  json id = nullptr;
  if (id_it != x.end()) {
    if (!valid_id(*id_it))
      return invalid(nullptr, "id: expected a string or an integer");
    id = *id_it;
  }
  auto version = x.find("jsonrpc");
  if (version == x.end() || *version != "2.0")
    return invalid(id, "jsonrpc: expected \"2.0\"");
  auto method = x.find("method");
  if (method == x.end()) {
    if (id.is_null())
      return invalid(id, "method: missing");
    if (x.contains("result") != x.contains("error"))
      return message{kind::response, id, {}, json::object(), {}};
    return invalid(id, "method: missing");
  }
  if (!method->is_string() || method->get_ref<const std::string&>().empty())
    return invalid(id, "method: expected a non-empty string");
  message result;
  result.kind = id.is_null() ? kind::notification : kind::request;
  result.id = id;
  result.method = method->get<std::string>();
  if (auto p = x.find("params"); p != x.end()) {
    if (!p->is_object())
      return invalid(id, "params: expected an object");
    result.params = *p;
  }
  return result;
}

message parse(const std::string& text, bool& parse_failed) {
  parse_failed = false;
  if (!shallow(text))
    return invalid(nullptr, "the message nests arrays and objects deeper "
                            "than 64 levels");
  auto x = json::parse(text, nullptr, false);
  parse_failed = x.is_discarded();
  if (parse_failed)
    return invalid(nullptr, "parse error: the message is not valid JSON");
  return classify(x);
}

json result(const json& id, json value) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(value)}};
}

json error(const json& id, int code, const std::string& text, json data) {
  json err{{"code", code}, {"message", text}};
  if (!data.is_null())
    err["data"] = std::move(data);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

} // namespace av::mcp::rpc
