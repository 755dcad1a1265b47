#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"
#include "av/types.hpp"

/// The JSON form of the node's values, shared by the HTTP API, the
/// WebSocket hub and the MCP tools. Field names are camelCase; times are
/// milliseconds since the epoch; enums use `to_string` (agent states in
/// capitals, e.g. `IDLE`). Parsers report the first bad field as
/// `field: what is wrong`.
namespace av {

void to_json(nlohmann::json& out, const agent_summary& x);
void to_json(nlohmann::json& out, const agent_info& x);
void to_json(nlohmann::json& out, const metrics_sample& x);
void to_json(nlohmann::json& out, const metric_trends& x);
/// Current metrics and trends, plus the history.
void to_json(nlohmann::json& out, const metrics_report& x);
void to_json(nlohmann::json& out, const task_result& x);
void to_json(nlohmann::json& out, const message_receipt& x);
void to_json(nlohmann::json& out, const participant& x);
void to_json(nlohmann::json& out, const coordination_info& x);

/// A metadata text as a JSON object (`{}` when empty or unparsable).
nlohmann::json metadata_json(const std::string& text);

/// `{"type", "name"?, "metadata"?, "provenance"?, "id"?}`.
parsed<agent_spec> agent_spec_from_json(const nlohmann::json& x);

/// `{"tasksCompleted", "successRate", "averageResponseTime",
/// "resourceUtilization", "timestamp"?}`; ranges are checked too.
parsed<metrics_sample> metrics_sample_from_json(const nlohmann::json& x);

/// `{"description"?, "id"?, "kind"?, "input"?, "simulatedMs"?}`.
parsed<task_spec> task_spec_from_json(const nlohmann::json& x);

/// `{"pattern", "participants": [numId, …], "task"?, "timeoutMs"?,
/// "metadata"?, "id"?}`.
parsed<coordination_spec> coordination_spec_from_json(const nlohmann::json& x);

/// A message to send: who sends it (id, number or name), to whom, and what.
struct message_request {
  std::string from;
  /// Numeric id, UUID or name of the recipient.
  std::string to;
  outgoing_message msg;
};

/// `{"from", "to", "type"?, "priority"?, "content"?, "replyBudget"?}`;
/// `from` and `to` are numeric ids, UUIDs or names.
parsed<message_request> message_request_from_json(const nlohmann::json& x);

} // namespace av
