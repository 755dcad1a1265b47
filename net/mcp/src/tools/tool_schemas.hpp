#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

/// Pieces the tool schemas share, kept terse: tools/list goes into every
/// calling model's context.
namespace av::mcp::schemas {

using json = nlohmann::json;

/// `{"type":"object","properties":…,"required":…,"additionalProperties":false}`.
inline json object(json properties,
                   std::initializer_list<const char*> required = {}) {
  json result{{"type", "object"}, {"properties", std::move(properties)}};
  if (required.size() > 0) {
    result["required"] = json::array();
    for (auto name : required)
      result["required"].push_back(name);
  }
  result["additionalProperties"] = false;
  return result;
}

/// An output object: lists what is always there, allows more.
inline json output(json properties,
                   std::initializer_list<const char*> required = {}) {
  auto result = object(std::move(properties), required);
  result.erase("additionalProperties");
  return result;
}

inline json text(const char* description, int max = 256) {
  return json{{"type", "string"},
              {"minLength", 1},
              {"maxLength", max},
              {"description", description}};
}

inline json integer(const char* description, int lo, int hi, int fallback) {
  return json{{"type", "integer"},
              {"minimum", lo},
              {"maximum", hi},
              {"default", fallback},
              {"description", description}};
}

inline json choice(std::initializer_list<const char*> values,
                   const char* description = nullptr) {
  json result{{"type", "string"}, {"enum", json::array()}};
  for (auto v : values)
    result["enum"].push_back(v);
  if (description)
    result["description"] = description;
  return result;
}

/// An agent by UUID, numeric id or name.
inline json agent_ref() {
  return json{{"type", {"string", "integer"}},
              {"description", "UUID, numeric id or name"}};
}

inline json agent_refs(int max) {
  return json{{"type", "array"},
              {"items", agent_ref()},
              {"minItems", 1},
              {"maxItems", max}};
}

inline json vec3() {
  return object(json{{"x", {{"type", "number"}}},
                     {"y", {{"type", "number"}}},
                     {"z", {{"type", "number"}}}},
                {"x", "y", "z"});
}

/// An agent as the REST API shows it; only the identifying fields are
/// promised.
inline json agent() {
  return output(json{{"id", {{"type", "string"}}},
                     {"numId", {{"type", "integer"}}},
                     {"name", {{"type", "string"}}},
                     {"type", {{"type", "string"}}},
                     {"state", {{"type", "string"}}}},
                {"id", "numId", "state"});
}

inline json array_of(json items) {
  return json{{"type", "array"}, {"items", std::move(items)}};
}

inline json type(const char* name) {
  return json{{"type", name}};
}

} // namespace av::mcp::schemas
