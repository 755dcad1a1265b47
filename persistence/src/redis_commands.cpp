#include "redis_commands.hpp"

#include <nlohmann/json.hpp>

namespace av::persistence::detail {

namespace {

using json = nlohmann::json;

std::string num(double x) {
  auto result = json(x).dump();
  return result;
}

std::string key_of(const agent_mirror& a) {
  return "agent:" + a.id;
}

json vec(const vec3f& v) {
  return json{{"x", v.x}, {"y", v.y}, {"z", v.z}};
}

json metrics_json(const metrics_sample& m) {
  return json{{"tasksCompleted", m.tasks_completed},
              {"successRate", m.success_rate},
              {"averageResponseTime", m.avg_response_ms},
              {"resourceUtilization", m.resource_utilization}};
}

} // namespace

command agent_hash(const agent_mirror& a) {
  return {"HSET",    key_of(a),
          "name",    a.name,
          "type",    a.type,
          "state",   a.state,
          "numId",   std::to_string(a.num),
          "posX",    num(a.pos.x),
          "posY",    num(a.pos.y),
          "posZ",    num(a.pos.z),
          "velX",    num(a.vel.x),
          "velY",    num(a.vel.y),
          "velZ",    num(a.vel.z),
          "updated", std::to_string(a.updated_ms)};
}

void state_commands(const agent_mirror& a, const std::string& previous,
                    std::deque<command>& out) {
  out.push_back({"HSET", key_of(a), "state", a.state, "updated",
                 std::to_string(a.updated_ms)});
  json msg{{"agentId", a.id},          {"numId", a.num},
           {"name", a.name},           {"type", a.type},
           {"state", a.state},         {"previous", previous},
           {"timestamp", a.updated_ms}};
  out.push_back({"PUBLISH", "agent:state:update", msg.dump()});
}

command metrics_hash(const agent_mirror& a) {
  const auto& m = a.metrics;
  return {"HSET",
          key_of(a) + ":metrics",
          "tasksCompleted",
          num(m.tasks_completed),
          "successRate",
          num(m.success_rate),
          "averageResponseTime",
          num(m.avg_response_ms),
          "resourceUtilization",
          num(m.resource_utilization),
          "lastUpdate",
          std::to_string(m.time_ms)};
}

void metrics_commands(const agent_mirror& a, size_t history,
                      std::deque<command>& out) {
  const auto& m = a.metrics;
  out.push_back(metrics_hash(a));
  auto entry = metrics_json(m);
  entry["timestamp"] = m.time_ms;
  auto history_key = key_of(a) + ":metrics:history";
  out.push_back({"ZADD", history_key, std::to_string(m.time_ms), entry.dump()});
  // Keeps the newest `history` entries.
  out.push_back({"ZREMRANGEBYRANK", history_key, "0",
                 std::to_string(-static_cast<int64_t>(history) - 1)});
  json trends{{"successRateTrend", to_string(a.trends.success_rate)},
              {"responseTrend", to_string(a.trends.response_time)},
              {"utilizationTrend", to_string(a.trends.utilization)}};
  json msg{{"agentId", a.id},
           {"metrics", metrics_json(m)},
           {"trends", trends},
           {"timestamp", m.time_ms}};
  out.push_back({"PUBLISH", "agent:metrics:update", msg.dump()});
}

void position_commands(const agent_mirror& a, std::deque<command>& out) {
  out.push_back({"HSET", key_of(a), "posX", num(a.pos.x), "posY", num(a.pos.y),
                 "posZ", num(a.pos.z), "velX", num(a.vel.x), "velY",
                 num(a.vel.y), "velZ", num(a.vel.z), "updated",
                 std::to_string(a.updated_ms)});
  json msg{{"agentId", a.id},
           {"position", vec(a.pos)},
           {"velocity", vec(a.vel)},
           {"timestamp", a.updated_ms}};
  out.push_back({"PUBLISH", "agent:position:update", msg.dump()});
}

} // namespace av::persistence::detail
