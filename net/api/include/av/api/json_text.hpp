#pragma once

#include <string>
#include <string_view>

#include "av/types.hpp"

/// JSON written straight into text, for the answers that are large and
/// frequent (tools/call results, agent listings): no json tree in between.
namespace av {

/// Appends `s` as a JSON string (quotes included). Plain ASCII is escaped
/// here; text with other bytes goes through nlohmann::json, which also
/// replaces invalid UTF-8.
void append_quoted(std::string& out, std::string_view s);

/// `{"agents":[…],"total","offset","limit"}`, the body of GET /api/agents,
/// with each agent as `to_json(agent_summary)` writes it.
std::string agent_page_text(const agent_page& page, const agent_filter& filter);

} // namespace av
