// libFuzzer target over an MCP message: the JSON-RPC parser, then the
// schema checks that a tools/call's arguments and an mcp-config.json pass
// through. Nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "av/mcp/json_rpc.hpp"
#include "av/mcp/schema_check.hpp"
#include "av/mcp/settings.hpp"

namespace {

/// Every keyword the tool schemas use, nested as they nest them.
const nlohmann::json& sample_schema() {
  static const auto x = nlohmann::json::parse(R"({
    "type": "object", "required": ["name"], "additionalProperties": false,
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 50},
      "id": {"type": ["string", "integer"]},
      "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
      "mode": {"type": "string", "enum": ["a", "b"]},
      "ratio": {"type": "number", "minimum": 0, "maximum": 1},
      "items": {"type": "array", "maxItems": 5, "minItems": 1,
                "items": {"type": "object", "required": ["x"],
                          "properties": {"x": {"type": "number"}},
                          "additionalProperties": false}}}
  })");
  return x;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace av::mcp;
  std::string text(reinterpret_cast<const char*>(data), size);
  bool parse_failed = false;
  auto msg = rpc::parse(text, parse_failed);
  if (msg.kind == rpc::kind::invalid)
    return 0;
  auto args = msg.params.value("arguments", nlohmann::json::object());
  schema::apply_defaults(sample_schema(), args);
  schema::validate(sample_schema(), args);
  settings_from_json(msg.params);
  return 0;
}
