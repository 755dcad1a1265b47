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

/// The position and velocity as JSON numbers, formatted once for both the
/// hash and the message.
class motion_text {
public:
  explicit motion_text(const agent_mirror& a) {
    const float xs[] = {a.pos.x, a.pos.y, a.pos.z, a.vel.x, a.vel.y, a.vel.z};
    for (size_t i = 0; i < 6; ++i)
      text_[i] = json_number(bufs_[i], xs[i]);
  }

  motion_text(const motion_text&) = delete;
  motion_text& operator=(const motion_text&) = delete;

  /// posX, posY, posZ, velX, velY, velZ.
  std::string_view operator[](size_t i) const { return text_[i]; }

  /// {"x":..,"y":..,"z":..} of the position (0) or the velocity (3).
  void append_vec(std::string& out, size_t first) const {
    out += "{\"x\":";
    out += text_[first];
    out += ",\"y\":";
    out += text_[first + 1];
    out += ",\"z\":";
    out += text_[first + 2];
    out += '}';
  }

private:
  number_buffer bufs_[6];
  std::string_view text_[6];
};

} // namespace

void set_id(agent_mirror& a, const std::string& id) {
  a.id = id;
  a.key = "agent:" + id;
  a.id_json = json(id).dump();
}

void agent_hash(const agent_mirror& a, command_queue& out) {
  motion_text m{a};
  out.push(command_kind::hset, "HSET", a.key, "name", a.name, "type", a.type,
           "state", a.state, "numId", int64_t{a.num}, "posX", m[0], "posY",
           m[1], "posZ", m[2], "velX", m[3], "velY", m[4], "velZ", m[5],
           "updated", a.updated_ms);
}

void state_commands(const agent_mirror& a, const std::string& previous,
                    command_queue& out) {
  out.push(command_kind::hset, "HSET", a.key, "state", a.state, "updated",
           a.updated_ms);
  json msg{{"agentId", a.id},          {"numId", a.num},
           {"name", a.name},           {"type", a.type},
           {"state", a.state},         {"previous", previous},
           {"timestamp", a.updated_ms}};
  out.push(command_kind::publish, "PUBLISH", "agent:state:update", msg.dump());
}

void metrics_hash(const agent_mirror& a, command_queue& out) {
  const auto& m = a.metrics;
  number_buffer b[4];
  out.push(command_kind::hset, "HSET", a.key + ":metrics", "tasksCompleted",
           json_number(b[0], m.tasks_completed), "successRate",
           json_number(b[1], m.success_rate), "averageResponseTime",
           json_number(b[2], m.avg_response_ms), "resourceUtilization",
           json_number(b[3], m.resource_utilization), "lastUpdate", m.time_ms);
}

void metrics_commands(const agent_mirror& a, size_t history,
                      command_queue& out) {
  const auto& m = a.metrics;
  metrics_hash(a, out);
  auto entry = metrics_json(m);
  entry["timestamp"] = m.time_ms;
  auto history_key = a.key + ":metrics:history";
  out.push(command_kind::zadd, "ZADD", history_key, m.time_ms, entry.dump());
  // Keeps the newest `history` entries.
  out.push(command_kind::zremrangebyrank, "ZREMRANGEBYRANK", history_key,
           int64_t{0}, -static_cast<int64_t>(history) - 1);
  json trends{{"successRateTrend", to_string(a.trends.success_rate)},
              {"responseTrend", to_string(a.trends.response_time)},
              {"utilizationTrend", to_string(a.trends.utilization)}};
  json msg{{"agentId", a.id},
           {"metrics", metrics_json(m)},
           {"trends", trends},
           {"timestamp", m.time_ms}};
  out.push(command_kind::publish, "PUBLISH", "agent:metrics:update",
           msg.dump());
}

void position_commands(const agent_mirror& a, std::string& scratch,
                       command_queue& out) {
  motion_text m{a};
  out.push(command_kind::hset, "HSET", a.key, "posX", m[0], "posY", m[1],
           "posZ", m[2], "velX", m[3], "velY", m[4], "velZ", m[5], "updated",
           a.updated_ms);
  // The keys in json::dump()'s (sorted) order.
  number_buffer time;
  scratch.clear();
  scratch += "{\"agentId\":";
  scratch += a.id_json;
  scratch += ",\"position\":";
  m.append_vec(scratch, 0);
  scratch += ",\"timestamp\":";
  scratch += decimal(time, a.updated_ms);
  scratch += ",\"velocity\":";
  m.append_vec(scratch, 3);
  scratch += '}';
  out.push(command_kind::publish, "PUBLISH", "agent:position:update", scratch);
}

} // namespace av::persistence::detail
