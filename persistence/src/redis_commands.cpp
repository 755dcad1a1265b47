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

  /// The fields posX ... velZ of HSET agent:{id}.
  void fields(resp_writer& out) const {
    static constexpr std::string_view names[]
      = {"posX", "posY", "posZ", "velX", "velY", "velZ"};
    for (size_t i = 0; i < 6; ++i) {
      out.arg(names[i]);
      out.arg(text_[i]);
    }
  }

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
  motion_text{a}.fields(w);
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
  motion_text motion{a};
  auto w = out.start(command_kind::hset, 16);
  w.arg("HSET");
  w.arg(a.key);
  motion.fields(w);
  w.arg("updated");
  w.arg(a.updated_ms);
  // The keys in json::dump()'s (sorted) order.
  number_buffer time;
  scratch.clear();
  scratch += "{\"agentId\":";
  scratch += a.id_json;
  scratch += ",\"position\":";
  motion.append_vec(scratch, 0);
  scratch += ",\"timestamp\":";
  scratch += decimal(time, a.updated_ms);
  scratch += ",\"velocity\":";
  motion.append_vec(scratch, 3);
  scratch += '}';
  publish(out, "agent:position:update", scratch);
}

} // namespace av::persistence::detail
