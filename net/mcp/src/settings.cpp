#include "av/mcp/settings.hpp"

#include <fstream>
#include <sstream>

#include "av/mcp/schema_check.hpp"

namespace av::mcp {

namespace {

using json = nlohmann::json;

/// The settings file's own schema: the seed's shape, plus our limits.
/// Unknown members (integrations, cors, validation, …) are left alone.
const json& file_schema() {
  static const json x = json::parse(R"({
    "type": "object",
    "properties": {
      "server": {"type": "object", "properties": {
        "sessionTtlMs": {"type": "integer", "minimum": 1000,
                          "maximum": 604800000},
        "maxSessions": {"type": "integer", "minimum": 1, "maximum": 1000000},
        "readWithoutKey": {"type": "boolean"},
        "toolsPageSize": {"type": "integer", "minimum": 1, "maximum": 1000}}},
      "tools": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {
          "enabled": {"type": "boolean"},
          "maxConcurrent": {"type": "integer", "minimum": 1,
                            "maximum": 100000},
          "timeout": {"type": "integer", "minimum": 100, "maximum": 600000},
          "maxParticipants": {"type": "integer", "minimum": 1,
                              "maximum": 1000},
          "maxAgents": {"type": "integer", "minimum": 1, "maximum": 10000},
          "ttl": {"type": "integer", "minimum": 1, "maximum": 31622400},
          "scope": {"type": "string", "enum": ["read", "control"]}}}},
      "hooks": {"type": "object", "properties": {
        "preExecution": {"type": "array", "items": {"type": "object",
          "required": ["name"], "properties": {
            "name": {"type": "string"},
            "maxCalls": {"type": "integer", "minimum": 1,
                         "maximum": 10000000},
            "windowMs": {"type": "integer", "minimum": 1,
                         "maximum": 86400000}}}},
        "postExecution": {"type": "array", "items": {"type": "object",
          "required": ["name"],
          "properties": {"name": {"type": "string"}}}}}}
    }
  })");
  return x;
}

template <class T>
void read(const json& obj, const char* name, T& out) {
  if (auto i = obj.find(name); i != obj.end())
    out = i->get<T>();
}

bool listed(const json& hooks, const char* phase, const char* name,
            const json** entry = nullptr) {
  auto list = hooks.find(phase);
  if (list == hooks.end())
    return false;
  for (auto& x : *list)
    if (x["name"] == name) {
      if (entry)
        *entry = &x;
      return true;
    }
  return false;
}

} // namespace

const tool_settings& settings::tool(const std::string& name) const {
  static const tool_settings defaults;
  auto i = tools.find(name);
  return i != tools.end() ? i->second : defaults;
}

parsed<settings> settings_from_json(const json& x) {
  if (auto err = schema::validate(file_schema(), x, "mcp-config"))
    return parse_error{*err};
  settings result;
  if (auto s = x.find("server"); s != x.end()) {
    int64_t ttl = result.session_ttl.count();
    read(*s, "sessionTtlMs", ttl);
    result.session_ttl = std::chrono::milliseconds{ttl};
    read(*s, "maxSessions", result.max_sessions);
    read(*s, "readWithoutKey", result.read_without_key);
    read(*s, "toolsPageSize", result.tools_page_size);
  }
  if (auto t = x.find("tools"); t != x.end()) {
    for (auto& [name, obj] : t->items()) {
      tool_settings ts;
      read(obj, "enabled", ts.enabled);
      read(obj, "maxConcurrent", ts.max_concurrent);
      read(obj, "timeout", ts.timeout_ms);
      read(obj, "maxParticipants", ts.max_participants);
      read(obj, "maxAgents", ts.max_agents);
      read(obj, "ttl", ts.ttl_s);
      read(obj, "scope", ts.scope);
      // The seed's names for the swarm tools configure the same tools.
      if (name == "multi-agent_init")
        result.tools["swarm_init"] = ts;
      else if (name == "coordinate_multi-agent_formation")
        result.tools["coordinate_swarm_formation"] = ts;
      else
        result.tools[name] = ts;
    }
  }
  if (auto h = x.find("hooks"); h != x.end()) {
    const json* limit = nullptr;
    result.validate_permissions
      = listed(*h, "preExecution", "validate-permissions");
    result.rate_limit = listed(*h, "preExecution", "rate-limit", &limit);
    if (limit) {
      read(*limit, "maxCalls", result.rate_max_calls);
      int64_t window = result.rate_window.count();
      read(*limit, "windowMs", window);
      result.rate_window = std::chrono::milliseconds{window};
    }
    result.log_metrics = listed(*h, "postExecution", "log-metrics");
    result.update_state = listed(*h, "postExecution", "update-state");
  }
  return result;
}

parsed<settings> load_settings(const std::string& path,
                               bool missing_is_default) {
  if (path.empty())
    return settings{};
  std::ifstream in{path};
  if (!in) {
    if (missing_is_default)
      return settings{};
    return parse_error{"MCP_CONFIG: cannot read " + path};
  }
  std::stringstream text;
  text << in.rdbuf();
  auto x = json::parse(text.str(), nullptr, false);
  if (x.is_discarded())
    return parse_error{"MCP_CONFIG: " + path + " is not valid JSON"};
  auto result = settings_from_json(x);
  if (!result)
    return parse_error{"MCP_CONFIG: " + path + ": " + result.error()};
  return result;
}

} // namespace av::mcp
