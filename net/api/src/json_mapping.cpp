#include "av/api/json_mapping.hpp"

#include <cmath>
#include <limits>

#include "av/base/json_fields.hpp"
#include "av/metrics.hpp"

namespace av {

namespace {

using json = nlohmann::json;

constexpr size_t max_text = 64 * 1024;
constexpr size_t max_id = 128;

/// Reads an optional string field.
parse_check get_string(const json& x, const char* field, std::string& out,
                       size_t max_size) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return std::nullopt;
  if (!i->is_string())
    return field_error(field, "expected a string");
  auto& str = i->get_ref<const std::string&>();
  if (str.size() > max_size)
    return field_error(field, "at most " + std::to_string(max_size)
                                + " characters allowed");
  out = str;
  return std::nullopt;
}

/// Reads an optional number field within [lo, hi].
parse_check get_number(const json& x, const char* field, double& out, double lo,
                       double hi) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return std::nullopt;
  if (!i->is_number() || !std::isfinite(i->get<double>())
      || i->get<double>() < lo || i->get<double>() > hi)
    return field_error(field, "expected a number from " + json(lo).dump()
                                + " to " + json(hi).dump());
  out = i->get<double>();
  return std::nullopt;
}

/// Reads an optional integer field within [lo, hi].
parse_check get_integer(const json& x, const char* field, int64_t& out,
                        int64_t lo, int64_t hi) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return std::nullopt;
  bool ok = false;
  if (i->is_number_unsigned())
    ok = i->get<uint64_t>() <= static_cast<uint64_t>(hi)
         && static_cast<int64_t>(i->get<uint64_t>()) >= lo;
  else if (i->is_number_integer())
    ok = i->get<int64_t>() >= lo && i->get<int64_t>() <= hi;
  if (!ok)
    return field_error(field, "expected an integer from " + std::to_string(lo)
                                + " to " + std::to_string(hi));
  out = i->get<int64_t>();
  return std::nullopt;
}

/// Reads a numeric agent id (1 to 2^32-1); JSON from text holds positive
/// numbers as unsigned, JSON built in C++ as signed.
bool get_num_id(const json& x, num_id& out) {
  if (!x.is_number_integer())
    return false;
  auto value = x.is_number_unsigned() ? x.get<uint64_t>()
               : x.get<int64_t>() > 0 ? static_cast<uint64_t>(x.get<int64_t>())
                                      : 0;
  if (value == 0 || value > std::numeric_limits<num_id>::max())
    return false;
  out = static_cast<num_id>(value);
  return true;
}

/// An agent reference: a numeric id (number or digits), UUID or name.
parse_check get_agent_ref(const json& x, const char* field, std::string& out) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return field_error(field, "required");
  if (i->is_number()) {
    num_id num = 0;
    if (!get_num_id(*i, num))
      return field_error(field, "expected an agent's numeric id");
    out = std::to_string(num);
    return std::nullopt;
  }
  if (i->is_string() && !i->get_ref<const std::string&>().empty()
      && i->get_ref<const std::string&>().size() <= 255) {
    out = i->get<std::string>();
    return std::nullopt;
  }
  return field_error(field, "expected an agent's numeric id, UUID or name");
}

} // namespace

void to_json(json& out, const agent_summary& x) {
  out = json{{"id", x.id},
             {"numId", x.num},
             {"name", x.name},
             {"type", x.type},
             {"state", to_string(x.state)},
             {"provenance", to_string(x.origin)},
             {"node", x.node},
             {"reachable", x.reachable}};
}

json metadata_json(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

void to_json(json& out, const agent_info& x) {
  out = json{
    {"id", x.id},
    {"numId", x.num},
    {"name", x.name},
    {"type", x.type},
    {"state", to_string(x.state)},
    {"provenance", to_string(x.origin)},
    {"metadata", metadata_json(x.metadata)},
    {"createdAt", x.created_ms},
    {"lastSeen", x.last_seen_ms},
    {"currentTask", x.current_task.empty() ? json{} : json(x.current_task)},
    {"queuedTasks", x.queued_tasks},
    {"tasksCompleted", x.tasks_completed},
    {"tasksFailed", x.tasks_failed},
    {"messagesSent", x.messages_sent},
    {"messagesReceived", x.messages_received},
    {"restarts", x.restarts},
    {"metrics", x.metrics},
    {"node", x.node}};
}

void to_json(json& out, const metrics_sample& x) {
  out = json{{"timestamp", x.time_ms},
             {"tasksCompleted", x.tasks_completed},
             {"successRate", x.success_rate},
             {"averageResponseTime", x.avg_response_ms},
             {"resourceUtilization", x.resource_utilization}};
}

void to_json(json& out, const metric_trends& x) {
  out = json{{"successRateTrend", to_string(x.success_rate)},
             {"responseTrend", to_string(x.response_time)},
             {"utilizationTrend", to_string(x.utilization)}};
}

void to_json(json& out, const metrics_report& x) {
  out = json{
    {"metrics", x.current}, {"trends", x.trends}, {"history", x.history}};
}

void to_json(json& out, const task_result& x) {
  out = json{{"taskId", x.task_id},
             {"agentNumId", x.agent},
             {"success", x.success},
             {"durationMs", x.duration_ms},
             {"output", x.output}};
}

void to_json(json& out, const message_receipt& x) {
  out = json{
    {"id", x.id}, {"from", x.from}, {"to", x.to}, {"latencyNs", x.latency_ns}};
}

void to_json(json& out, const participant& x) {
  out = json{{"numId", x.agent}, {"role", x.role}, {"active", x.active}};
}

void to_json(json& out, const coordination_info& x) {
  out = json{{"id", x.id},
             {"pattern", to_string(x.kind)},
             {"status", to_string(x.status)},
             {"progress", x.progress},
             {"stepsDone", x.steps_done},
             {"stepsTotal", x.steps_total},
             {"participants", x.participants},
             {"task", x.task},
             {"result", x.result},
             {"reason", x.reason},
             {"startedAt", x.started_ms},
             {"completedAt", x.completed_ms ? json(x.completed_ms) : json{}},
             {"metadata", metadata_json(x.metadata)},
             {"node", x.node}};
}

parsed<agent_spec> agent_spec_from_json(const json& x) {
  agent_spec result;
  std::string origin;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(
        x, {"type", "name", "metadata", "provenance", "id", "node"}))
    return *e;
  if (!x.contains("type") || x["type"].is_null())
    return field_error("type", "required");
  if (auto e = first_error({get_string(x, "type", result.type, 50),
                            get_string(x, "name", result.name, 255),
                            get_string(x, "id", result.id, max_id),
                            get_string(x, "node", result.node, 63),
                            get_string(x, "provenance", origin, 16)}))
    return *e;
  if (!origin.empty() && !parse(origin, result.origin))
    return field_error("provenance", "expected measured or simulated");
  if (auto i = x.find("metadata"); i != x.end() && !i->is_null()) {
    if (!i->is_object())
      return field_error("metadata", "expected a JSON object");
    result.metadata = i->dump();
    if (result.metadata.size() > max_text)
      return field_error("metadata", "at most 64 KiB allowed");
  }
  return result;
}

parsed<metrics_sample> metrics_sample_from_json(const json& x) {
  metrics_sample result;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  // The seed's tool shape: {"agentId": …, "metrics": {…}}.
  if (auto i = x.find("metrics"); i != x.end() && i->is_object()) {
    if (auto e = known_fields(x, {"agentId", "metrics"}))
      return *e;
    return metrics_sample_from_json(*i);
  }
  if (auto e
      = known_fields(x, {"tasksCompleted", "successRate", "averageResponseTime",
                         "resourceUtilization", "timestamp"}))
    return *e;
  for (auto name : {"tasksCompleted", "successRate", "averageResponseTime",
                    "resourceUtilization"})
    if (!x.contains(name) || x[name].is_null())
      return field_error(name, "required");
  constexpr auto big = 1e15;
  int64_t ts = 0;
  if (auto e = first_error(
        {get_number(x, "tasksCompleted", result.tasks_completed, 0, big),
         get_number(x, "successRate", result.success_rate, 0, 1),
         get_number(x, "averageResponseTime", result.avg_response_ms, 0, big),
         get_number(x, "resourceUtilization", result.resource_utilization, 0,
                    1),
         get_integer(x, "timestamp", ts, 0,
                     std::numeric_limits<int64_t>::max() / 2)}))
    return *e;
  result.time_ms = ts;
  if (auto field = invalid_field(result))
    return field_error(field, "out of range");
  return result;
}

parsed<task_spec> task_spec_from_json(const json& x) {
  task_spec result;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e
      = known_fields(x, {"description", "id", "kind", "input", "simulatedMs"}))
    return *e;
  int64_t sim = 0;
  if (auto e
      = first_error({get_string(x, "description", result.description, max_text),
                     get_string(x, "id", result.id, max_id),
                     get_string(x, "kind", result.kind, 32),
                     get_string(x, "input", result.input, max_text),
                     get_integer(x, "simulatedMs", sim, 0, 86400000)}))
    return *e;
  if (result.kind.empty())
    result.kind = "work";
  result.simulated_ms = sim;
  return result;
}

parsed<coordination_spec> coordination_spec_from_json(const json& x) {
  coordination_spec result;
  std::string kind;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(
        x, {"pattern", "participants", "task", "timeoutMs", "metadata", "id"}))
    return *e;
  if (!x.contains("pattern") || x["pattern"].is_null())
    return field_error("pattern", "required");
  if (auto e = first_error(
        {get_string(x, "pattern", kind, 32),
         get_string(x, "task", result.task, max_text),
         get_string(x, "id", result.id, max_id),
         get_integer(x, "timeoutMs", result.timeout_ms, 0, 86400000)}))
    return *e;
  if (!parse(kind, result.kind))
    return field_error("pattern",
                       "expected hierarchical, mesh, pipeline or consensus");
  auto i = x.find("participants");
  if (i == x.end() || !i->is_array())
    return field_error("participants",
                       "expected an array of numeric agent ids");
  if (i->size() > 1000)
    return field_error("participants", "at most 1000 entries allowed");
  for (auto& p : *i) {
    num_id num = 0;
    if (!get_num_id(p, num))
      return field_error("participants",
                         "expected an array of numeric agent ids");
    result.participants.push_back(num);
  }
  if (auto j = x.find("metadata"); j != x.end() && !j->is_null()) {
    if (!j->is_object())
      return field_error("metadata", "expected a JSON object");
    result.metadata = j->dump();
  }
  return result;
}

parsed<message_request> message_request_from_json(const json& x) {
  message_request result;
  std::string prio;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(
        x, {"from", "to", "type", "priority", "content", "replyBudget"}))
    return *e;
  int64_t budget = 0;
  if (auto e
      = first_error({get_agent_ref(x, "from", result.from),
                     get_agent_ref(x, "to", result.to),
                     get_string(x, "type", result.msg.type, 64),
                     get_string(x, "priority", prio, 16),
                     get_string(x, "content", result.msg.content, max_text),
                     get_integer(x, "replyBudget", budget, 0, 100)}))
    return *e;
  if (result.msg.type.empty())
    result.msg.type = "inform";
  if (!prio.empty() && !parse(prio, result.msg.prio))
    return field_error("priority", "expected LOW, NORMAL, HIGH or CRITICAL");
  result.msg.reply_budget = static_cast<uint32_t>(budget);
  return result;
}

} // namespace av
