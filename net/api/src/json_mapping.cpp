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

parse_error fail(const char* field, const std::string& what) {
  return parse_error{std::string{field} + ": " + what};
}

/// Reads an optional string field; false after writing `err`.
bool get_string(const json& x, const char* field, std::string& out,
                size_t max_size, std::string& err) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return true;
  if (!i->is_string()) {
    err = std::string{field} + ": expected a string";
    return false;
  }
  auto& str = i->get_ref<const std::string&>();
  if (str.size() > max_size) {
    err = std::string{field} + ": at most " + std::to_string(max_size)
          + " characters allowed";
    return false;
  }
  out = str;
  return true;
}

/// Reads an optional number field within [lo, hi].
bool get_number(const json& x, const char* field, double& out, double lo,
                double hi, std::string& err) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return true;
  if (!i->is_number() || !std::isfinite(i->get<double>())
      || i->get<double>() < lo || i->get<double>() > hi) {
    err = std::string{field} + ": expected a number from " + json(lo).dump()
          + " to " + json(hi).dump();
    return false;
  }
  out = i->get<double>();
  return true;
}

/// Reads an optional integer field within [lo, hi].
bool get_integer(const json& x, const char* field, int64_t& out, int64_t lo,
                 int64_t hi, std::string& err) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null())
    return true;
  bool ok = false;
  if (i->is_number_unsigned())
    ok = i->get<uint64_t>() <= static_cast<uint64_t>(hi)
         && static_cast<int64_t>(i->get<uint64_t>()) >= lo;
  else if (i->is_number_integer())
    ok = i->get<int64_t>() >= lo && i->get<int64_t>() <= hi;
  if (!ok) {
    err = std::string{field} + ": expected an integer from "
          + std::to_string(lo) + " to " + std::to_string(hi);
    return false;
  }
  out = i->get<int64_t>();
  return true;
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
bool get_agent_ref(const json& x, const char* field, std::string& out,
                   std::string& err) {
  auto i = x.find(field);
  if (i == x.end() || i->is_null()) {
    err = std::string{field} + ": required";
    return false;
  }
  if (i->is_number()) {
    num_id num = 0;
    if (!get_num_id(*i, num)) {
      err = std::string{field} + ": expected an agent's numeric id";
      return false;
    }
    out = std::to_string(num);
    return true;
  }
  if (i->is_string() && !i->get_ref<const std::string&>().empty()
      && i->get_ref<const std::string&>().size() <= 255) {
    out = i->get<std::string>();
    return true;
  }
  err = std::string{field} + ": expected an agent's numeric id, UUID or name";
  return false;
}

} // namespace

void to_json(json& out, const agent_summary& x) {
  out = json{{"id", x.id},
             {"numId", x.num},
             {"name", x.name},
             {"type", x.type},
             {"state", to_string(x.state)},
             {"provenance", to_string(x.origin)}};
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
    {"metrics", x.metrics}};
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
             {"metadata", metadata_json(x.metadata)}};
}

parsed<agent_spec> agent_spec_from_json(const json& x) {
  agent_spec result;
  std::string err;
  std::string origin;
  if (!x.is_object())
    return parse_error{"body: expected a JSON object"};
  if (!known_fields(x, {"type", "name", "metadata", "provenance", "id"}, err))
    return parse_error{err};
  if (!x.contains("type") || x["type"].is_null())
    return fail("type", "required");
  if (!get_string(x, "type", result.type, 50, err)
      || !get_string(x, "name", result.name, 255, err)
      || !get_string(x, "id", result.id, max_id, err)
      || !get_string(x, "provenance", origin, 16, err))
    return parse_error{err};
  if (!origin.empty() && !parse(origin, result.origin))
    return fail("provenance", "expected measured or simulated");
  if (auto i = x.find("metadata"); i != x.end() && !i->is_null()) {
    if (!i->is_object())
      return fail("metadata", "expected a JSON object");
    result.metadata = i->dump();
    if (result.metadata.size() > max_text)
      return fail("metadata", "at most 64 KiB allowed");
  }
  return result;
}

parsed<metrics_sample> metrics_sample_from_json(const json& x) {
  metrics_sample result;
  std::string err;
  if (!x.is_object())
    return parse_error{"body: expected a JSON object"};
  // The seed's tool shape: {"agentId": …, "metrics": {…}}.
  if (auto i = x.find("metrics"); i != x.end() && i->is_object()) {
    if (!known_fields(x, {"agentId", "metrics"}, err))
      return parse_error{err};
    return metrics_sample_from_json(*i);
  }
  if (!known_fields(x,
                    {"tasksCompleted", "successRate", "averageResponseTime",
                     "resourceUtilization", "timestamp"},
                    err))
    return parse_error{err};
  for (auto name : {"tasksCompleted", "successRate", "averageResponseTime",
                    "resourceUtilization"})
    if (!x.contains(name) || x[name].is_null())
      return fail(name, "required");
  constexpr auto big = 1e15;
  int64_t ts = 0;
  if (!get_number(x, "tasksCompleted", result.tasks_completed, 0, big, err)
      || !get_number(x, "successRate", result.success_rate, 0, 1, err)
      || !get_number(x, "averageResponseTime", result.avg_response_ms, 0, big,
                     err)
      || !get_number(x, "resourceUtilization", result.resource_utilization, 0,
                     1, err)
      || !get_integer(x, "timestamp", ts, 0,
                      std::numeric_limits<int64_t>::max() / 2, err))
    return parse_error{err};
  result.time_ms = ts;
  if (auto field = invalid_field(result))
    return fail(field, "out of range");
  return result;
}

parsed<task_spec> task_spec_from_json(const json& x) {
  task_spec result;
  std::string err;
  if (!x.is_object())
    return parse_error{"body: expected a JSON object"};
  if (!known_fields(x, {"description", "id", "kind", "input", "simulatedMs"},
                    err))
    return parse_error{err};
  int64_t sim = 0;
  if (!get_string(x, "description", result.description, max_text, err)
      || !get_string(x, "id", result.id, max_id, err)
      || !get_string(x, "kind", result.kind, 32, err)
      || !get_string(x, "input", result.input, max_text, err)
      || !get_integer(x, "simulatedMs", sim, 0, 86400000, err))
    return parse_error{err};
  if (result.kind.empty())
    result.kind = "work";
  result.simulated_ms = sim;
  return result;
}

parsed<coordination_spec> coordination_spec_from_json(const json& x) {
  coordination_spec result;
  std::string err;
  std::string kind;
  if (!x.is_object())
    return parse_error{"body: expected a JSON object"};
  if (!known_fields(
        x, {"pattern", "participants", "task", "timeoutMs", "metadata", "id"},
        err))
    return parse_error{err};
  if (!x.contains("pattern") || x["pattern"].is_null())
    return fail("pattern", "required");
  if (!get_string(x, "pattern", kind, 32, err)
      || !get_string(x, "task", result.task, max_text, err)
      || !get_string(x, "id", result.id, max_id, err)
      || !get_integer(x, "timeoutMs", result.timeout_ms, 0, 86400000, err))
    return parse_error{err};
  if (!parse(kind, result.kind))
    return fail("pattern",
                "expected hierarchical, mesh, pipeline or consensus");
  auto i = x.find("participants");
  if (i == x.end() || !i->is_array())
    return fail("participants", "expected an array of numeric agent ids");
  if (i->size() > 1000)
    return fail("participants", "at most 1000 entries allowed");
  for (auto& p : *i) {
    num_id num = 0;
    if (!get_num_id(p, num))
      return fail("participants", "expected an array of numeric agent ids");
    result.participants.push_back(num);
  }
  if (auto j = x.find("metadata"); j != x.end() && !j->is_null()) {
    if (!j->is_object())
      return fail("metadata", "expected a JSON object");
    result.metadata = j->dump();
  }
  return result;
}

parsed<message_request> message_request_from_json(const json& x) {
  message_request result;
  std::string err;
  std::string prio;
  if (!x.is_object())
    return parse_error{"body: expected a JSON object"};
  if (!known_fields(
        x, {"from", "to", "type", "priority", "content", "replyBudget"}, err))
    return parse_error{err};
  int64_t budget = 0;
  if (!get_agent_ref(x, "from", result.from, err)
      || !get_agent_ref(x, "to", result.to, err)
      || !get_string(x, "type", result.msg.type, 64, err)
      || !get_string(x, "priority", prio, 16, err)
      || !get_string(x, "content", result.msg.content, max_text, err)
      || !get_integer(x, "replyBudget", budget, 0, 100, err))
    return parse_error{err};
  if (result.msg.type.empty())
    result.msg.type = "inform";
  if (!prio.empty() && !parse(prio, result.msg.prio))
    return fail("priority", "expected LOW, NORMAL, HIGH or CRITICAL");
  result.msg.reply_budget = static_cast<uint32_t>(budget);
  return result;
}

} // namespace av
