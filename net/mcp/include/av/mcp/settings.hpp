#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"

/// What config/mcp-config.json (MCP_CONFIG) says: per-tool limits and the
/// hooks that run around every tool call. docs/mcp.md describes the file.
namespace av::mcp {

/// Limits of one tool; zero means "not set" where noted.
struct tool_settings {
  bool enabled = true;
  /// Calls of this tool in flight at once; more get a busy error.
  uint32_t max_concurrent = 64;
  /// Bound of each actor request the tool makes; 0 uses MCP_TIMEOUT.
  int64_t timeout_ms = 0;
  /// agent_coordinate: participants at most.
  uint32_t max_participants = 100;
  /// swarm_init: agents at most.
  uint32_t max_agents = 100;
  /// memory_usage: TTL of entries stored without one, in seconds.
  int64_t ttl_s = 86400;
  /// "read" or "control"; empty keeps the tool's own.
  std::string scope;
};

struct settings {
  /// Tool name to limits; a tool not listed gets the defaults.
  std::map<std::string, tool_settings> tools;
  // -- hooks (on when listed under hooks.preExecution / postExecution) ------
  bool validate_permissions = true;
  bool rate_limit = true;
  bool log_metrics = true;
  bool update_state = true;
  /// validate-permissions: read tools need no key, even with MCP_API_KEY set.
  bool read_without_key = false;
  /// rate-limit: calls per key or session per window (a token bucket).
  uint32_t rate_max_calls = 600;
  std::chrono::milliseconds rate_window{60000};
  // -- sessions ---------------------------------------------------------------
  /// A session unused this long is forgotten (404 afterwards).
  std::chrono::milliseconds session_ttl{30 * 60 * 1000};
  /// Open sessions at most; initialize beyond it is refused.
  uint32_t max_sessions = 1000;
  /// Tools per tools/list page; more pages are reached with the cursor.
  uint32_t tools_page_size = 50;

  /// The limits for `tool` (its entry, or the defaults).
  const tool_settings& tool(const std::string& name) const;
};

/// Reads the settings from the file's JSON; names the first bad field.
parsed<settings> settings_from_json(const nlohmann::json& x);

/// Reads the file at `path`. An empty path, or the default path when the file
/// does not exist, gives the defaults; any other problem is an error naming
/// the file.
parsed<settings> load_settings(const std::string& path,
                               bool missing_is_default);

} // namespace av::mcp
