#define CAF_SUITE persistence.redis_commands

#include "av/redis_commands.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hiredis_format.hpp"

using namespace av;
using namespace av::persistence::detail;
using json = nlohmann::json;
using test::hiredis_format;

namespace {

std::string num(double x) {
  return json(x).dump();
}

agent_mirror sample_agent() {
  agent_mirror a;
  set_id(a, "6f1c2a52-0d4e-4b8e-9a51-0c9d2f4b7e10");
  a.num = 42;
  a.name = "x'\"; FLUSHALL\r\n\xF0\x9F\x9A\x80";
  a.type = "";
  a.state = "BUSY";
  a.pos = {1.5f, -0.1f, 0};
  a.vel = {1e-8f, 3e7f, -2};
  a.updated_ms = 1764130000123;
  a.has_metrics = true;
  a.metrics = {1764130000456, 7, 0.5, 123.25, 1.0 / 3};
  a.trends = {trend::increasing, trend::stable, trend::decreasing};
  return a;
}

/// Everything in the queue, in order.
std::string drain(command_queue& q) {
  std::string result;
  for (; !q.empty(); q.pop_front())
    result += q.front().bytes;
  return result;
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

CAF_TEST(a position update is the seed HSET and PUBLISH) {
  auto a = sample_agent();
  command_queue q{100};
  std::string scratch = "left over";
  position_commands(a, scratch, q);
  json msg{{"agentId", a.id},
           {"position", vec(a.pos)},
           {"velocity", vec(a.vel)},
           {"timestamp", a.updated_ms}};
  auto key = "agent:" + a.id;
  CAF_CHECK_EQUAL(
    drain(q),
    hiredis_format(
      {{"HSET", key, "posX", num(a.pos.x), "posY", num(a.pos.y), "posZ",
        num(a.pos.z), "velX", num(a.vel.x), "velY", num(a.vel.y), "velZ",
        num(a.vel.z), "updated", std::to_string(a.updated_ms)},
       {"PUBLISH", "agent:position:update", msg.dump()}}));
}

CAF_TEST(an agent hash and state change are the seed HSET and PUBLISH) {
  auto a = sample_agent();
  command_queue q{100};
  agent_hash(a, q);
  state_commands(a, "IDLE", q);
  json msg{{"agentId", a.id},          {"numId", a.num},   {"name", a.name},
           {"type", a.type},           {"state", a.state}, {"previous", "IDLE"},
           {"timestamp", a.updated_ms}};
  auto key = "agent:" + a.id;
  auto updated = std::to_string(a.updated_ms);
  CAF_CHECK_EQUAL(
    drain(q),
    hiredis_format(
      {{"HSET",  key,          "name",  a.name,       "type",    a.type,
        "state", a.state,      "numId", "42",         "posX",    num(a.pos.x),
        "posY",  num(a.pos.y), "posZ",  num(a.pos.z), "velX",    num(a.vel.x),
        "velY",  num(a.vel.y), "velZ",  num(a.vel.z), "updated", updated},
       {"HSET", key, "state", a.state, "updated", updated},
       {"PUBLISH", "agent:state:update", msg.dump()}}));
}

CAF_TEST(metrics are the seed HSET ZADD trim and PUBLISH) {
  auto a = sample_agent();
  const auto& m = a.metrics;
  command_queue q{100};
  metrics_commands(a, 5, q);
  auto key = "agent:" + a.id + ":metrics";
  auto entry = metrics_json(m);
  entry["timestamp"] = m.time_ms;
  json msg{{"agentId", a.id},
           {"metrics", metrics_json(m)},
           {"trends",
            {{"successRateTrend", "increasing"},
             {"responseTrend", "stable"},
             {"utilizationTrend", "decreasing"}}},
           {"timestamp", m.time_ms}};
  auto time = std::to_string(m.time_ms);
  CAF_CHECK_EQUAL(
    drain(q),
    hiredis_format({{"HSET", key, "tasksCompleted", "7.0", "successRate", "0.5",
                     "averageResponseTime", "123.25", "resourceUtilization",
                     num(m.resource_utilization), "lastUpdate", time},
                    {"ZADD", key + ":history", time, entry.dump()},
                    {"ZREMRANGEBYRANK", key + ":history", "0", "-6"},
                    {"PUBLISH", "agent:metrics:update", msg.dump()}}));
}
