#include "av/redis_commands.hpp"

#include <nlohmann/json.hpp>

namespace av::persistence::detail {

namespace {

using json = nlohmann::json;

json metrics_json(const metrics_sample& m) {
  return json{{"tasksCompleted", m.tasks_completed},
              {"successRate", m.success_rate},
              {"averageResponseTime", m.avg_response_ms},
              {"resourceUtilization", m.resource_utilization}};
}

void field(resp_writer& out, std::string_view name, double x) {
  out.arg(name);
  out.arg_number(x);
}

/// The position fields of HSET agent:{id}.
void motion_fields(resp_writer& out, const agent_mirror& a) {
  field(out, "posX", a.pos.x);
  field(out, "posY", a.pos.y);
  field(out, "posZ", a.pos.z);
  field(out, "velX", a.vel.x);
  field(out, "velY", a.vel.y);
  field(out, "velZ", a.vel.z);
}

/// {"x":..,"y":..,"z":..} as json::dump() writes it.
void append_vec(std::string& out, const vec3f& v) {
  out += "{\"x\":";
  append_json_number(out, v.x);
  out += ",\"y\":";
  append_json_number(out, v.y);
  out += ",\"z\":";
  append_json_number(out, v.z);
  out += '}';
}

void publish(command_queue& out, std::string_view channel,
             std::string_view message) {
  auto w = out.start(command_kind::publish, 3);
  w.arg("PUBLISH");
  w.arg(channel);
  w.arg(message);
}

} // namespace

void set_id(agent_mirror& a, const std::string& id) {
  a.id = id;
  a.key = "agent:" + id;
  a.id_json = json(id).dump();
}

void agent_hash(const agent_mirror& a, command_queue& out) {
  auto w = out.start(command_kind::hset, 24);
  w.arg("HSET");
  w.arg(a.key);
  w.arg("name");
  w.arg(a.name);
  w.arg("type");
  w.arg(a.type);
  w.arg("state");
  w.arg(a.state);
  w.arg("numId");
  w.arg(int64_t{a.num});
  motion_fields(w, a);
  w.arg("updated");
  w.arg(a.updated_ms);
}

void state_commands(const agent_mirror& a, const std::string& previous,
                    command_queue& out) {
  auto w = out.start(command_kind::hset, 6);
  w.arg("HSET");
  w.arg(a.key);
  w.arg("state");
  w.arg(a.state);
  w.arg("updated");
  w.arg(a.updated_ms);
  json msg{{"agentId", a.id},          {"numId", a.num},
           {"name", a.name},           {"type", a.type},
           {"state", a.state},         {"previous", previous},
           {"timestamp", a.updated_ms}};
  publish(out, "agent:state:update", msg.dump());
}

void metrics_hash(const agent_mirror& a, command_queue& out) {
  const auto& m = a.metrics;
  auto w = out.start(command_kind::hset, 12);
  w.arg("HSET");
  w.arg(a.key + ":metrics");
  field(w, "tasksCompleted", m.tasks_completed);
  field(w, "successRate", m.success_rate);
  field(w, "averageResponseTime", m.avg_response_ms);
  field(w, "resourceUtilization", m.resource_utilization);
  w.arg("lastUpdate");
  w.arg(m.time_ms);
}

void metrics_commands(const agent_mirror& a, size_t history,
                      command_queue& out) {
  const auto& m = a.metrics;
  metrics_hash(a, out);
  auto entry = metrics_json(m);
  entry["timestamp"] = m.time_ms;
  auto history_key = a.key + ":metrics:history";
  auto zadd = out.start(command_kind::zadd, 4);
  zadd.arg("ZADD");
  zadd.arg(history_key);
  zadd.arg(m.time_ms);
  zadd.arg(entry.dump());
  // Keeps the newest `history` entries.
  auto trim = out.start(command_kind::zremrangebyrank, 4);
  trim.arg("ZREMRANGEBYRANK");
  trim.arg(history_key);
  trim.arg(int64_t{0});
  trim.arg(-static_cast<int64_t>(history) - 1);
  json trends{{"successRateTrend", to_string(a.trends.success_rate)},
              {"responseTrend", to_string(a.trends.response_time)},
              {"utilizationTrend", to_string(a.trends.utilization)}};
  json msg{{"agentId", a.id},
           {"metrics", metrics_json(m)},
           {"trends", trends},
           {"timestamp", m.time_ms}};
  publish(out, "agent:metrics:update", msg.dump());
}

void position_commands(const agent_mirror& a, std::string& scratch,
                       command_queue& out) {
  auto w = out.start(command_kind::hset, 16);
  w.arg("HSET");
  w.arg(a.key);
  motion_fields(w, a);
  w.arg("updated");
  w.arg(a.updated_ms);
  // The keys in json::dump()'s (sorted) order.
  scratch.clear();
  scratch += "{\"agentId\":";
  scratch += a.id_json;
  scratch += ",\"position\":";
  append_vec(scratch, a.pos);
  scratch += ",\"timestamp\":";
  append_integer(scratch, a.updated_ms);
  scratch += ",\"velocity\":";
  append_vec(scratch, a.vel);
  scratch += '}';
  publish(out, "agent:position:update", scratch);
}

} // namespace av::persistence::detail
