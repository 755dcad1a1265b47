#include "av/history_reader.hpp"

#include <memory>

#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "av/connection_url.hpp"
#include "av/conninfo.hpp"

namespace av::persistence {

namespace {

using json = nlohmann::json;

/// Milliseconds of a timestamptz column, and a time range in milliseconds.
constexpr const char* ms_of = "(extract(epoch FROM %s) * 1000)::bigint";
constexpr const char* range
  = "timestamp >= to_timestamp($2::float8 / 1000) AND timestamp < "
    "to_timestamp($3::float8 / 1000)";

std::string ms(const char* column) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), ms_of, column);
  return buf;
}

json positions(pqxx::work& tx, const history_query& q) {
  auto rows = tx.exec_params(
    "WITH p AS (SELECT timestamp, position_x, position_y, position_z, "
    "velocity_x, velocity_y, velocity_z, ntile($4) OVER (ORDER BY timestamp) "
    "AS bucket FROM agent_positions WHERE agent_id = $1 AND "
      + std::string{range} + ") SELECT " + ms("min(timestamp)")
      + ", avg(position_x), avg(position_y), avg(position_z), "
        "avg(velocity_x), avg(velocity_y), avg(velocity_z), count(*) FROM p "
        "GROUP BY bucket ORDER BY bucket",
    q.agent, q.from_ms, q.to_ms, static_cast<int>(q.points));
  json points = json::array();
  for (const auto& r : rows)
    points.push_back({{"time", r[0].as<int64_t>()},
                      {"position",
                       {{"x", r[1].as<double>()},
                        {"y", r[2].as<double>()},
                        {"z", r[3].as<double>()}}},
                      {"velocity",
                       {{"x", r[4].as<double>()},
                        {"y", r[5].as<double>()},
                        {"z", r[6].as<double>()}}},
                      {"samples", r[7].as<int64_t>()}});
  return {{"agentId", q.agent}, {"points", points}};
}

json metrics(pqxx::work& tx, const history_query& q) {
  auto rows = tx.exec_params(
    "SELECT * FROM (SELECT " + ms("timestamp")
      + " AS t, tasks_completed, success_rate, avg_response_time, "
        "resource_utilization FROM agent_metrics WHERE agent_id = $1 AND "
      + range + " ORDER BY timestamp DESC LIMIT $4) m ORDER BY t",
    q.agent, q.from_ms, q.to_ms, static_cast<int>(q.limit));
  json samples = json::array();
  for (const auto& r : rows)
    samples.push_back({{"timestamp", r[0].as<int64_t>()},
                       {"tasksCompleted", r[1].as<int64_t>()},
                       {"successRate", r[2].as<double>()},
                       {"averageResponseTime", r[3].as<double>()},
                       {"resourceUtilization", r[4].as<double>()}});
  return {{"agentId", q.agent}, {"samples", samples}};
}

json messages(pqxx::work& tx, const history_query& q) {
  // Empty agent or peer match every agent.
  auto rows = tx.exec_params(
    "SELECT * FROM (SELECT id, from_agent, to_agent, message_type, "
    "priority, "
      + ms("sent_at")
      + " AS t, latency_ms, success FROM messages WHERE sent_at >= "
        "to_timestamp($2::float8 / 1000) AND sent_at < to_timestamp($3::float8 "
        "/ 1000) AND ($1 = '' OR (from_agent::text = $1 AND ($5 = '' OR "
        "to_agent::text = $5)) OR (to_agent::text = $1 AND ($5 = '' OR "
        "from_agent::text = $5))) ORDER BY sent_at DESC LIMIT $4) m ORDER BY t",
    q.agent, q.from_ms, q.to_ms, static_cast<int>(q.limit), q.peer);
  json out = json::array();
  for (const auto& r : rows)
    out.push_back(
      {{"id", r[0].as<std::string>()},
       {"from", r[1].as<std::string>()},
       {"to", r[2].as<std::string>()},
       {"type", r[3].as<std::string>()},
       {"priority", r[4].as<std::string>()},
       {"sentAt", r[5].as<int64_t>()},
       {"latencyMs", r[6].is_null() ? json{} : json(r[6].as<int64_t>())},
       {"success", r[7].as<bool>()}});
  return {{"messages", out}};
}

json coordinations(pqxx::work& tx, const history_query& q) {
  auto rows = tx.exec_params(
    "SELECT c.id, c.pattern, c.status, c.progress, c.task, c.result, "
    "c.reason, "
      + ms("c.started_at") + ", " + ms("c.completed_at")
      + ", c.metadata::text, (SELECT coalesce(json_agg(json_build_object("
        "'agentId', p.agent_id, 'role', p.role, 'active', p.active) ORDER BY "
        "p.position), '[]') FROM coordination_participants p WHERE "
        "p.coordination_id = c.id)::text FROM coordinations c WHERE "
        "c.started_at >= to_timestamp($2::float8 / 1000) AND c.started_at < "
        "to_timestamp($3::float8 / 1000) AND ($1 = '' OR c.status = $1) "
        "ORDER BY c.started_at DESC LIMIT $4",
    q.status, q.from_ms, q.to_ms, static_cast<int>(q.limit));
  json out = json::array();
  for (const auto& r : rows)
    out.push_back(
      {{"id", r[0].as<std::string>()},
       {"pattern", r[1].as<std::string>()},
       {"status", r[2].as<std::string>()},
       {"progress", r[3].as<double>()},
       {"task", r[4].as<std::string>()},
       {"result", r[5].as<std::string>()},
       {"reason", r[6].as<std::string>()},
       {"startedAt", r[7].as<int64_t>()},
       {"completedAt", r[8].is_null() ? json{} : json(r[8].as<int64_t>())},
       {"metadata", json::parse(r[9].as<std::string>())},
       {"participants", json::parse(r[10].as<std::string>())}});
  return {{"coordinations", out}};
}

struct reader_state {
  static inline const char* name = "history_reader";
  std::string conninfo;
  std::unique_ptr<pqxx::connection> conn;
};

} // namespace

history_actor spawn_history_reader(caf::actor_system& sys,
                                   std::string database_url) {
  auto url = parse_postgres_url(database_url);
  auto conninfo = url ? to_conninfo(*url) + " connect_timeout=2" : database_url;
  return sys.spawn<caf::detached>(
    [conninfo](history_actor::stateful_pointer<reader_state> self)
      -> history_actor::behavior_type {
      self->state.conninfo = conninfo;
      return {
        [=](atom::history, const history_query& q) -> caf::result<std::string> {
          auto& st = self->state;
          try {
            if (!st.conn)
              st.conn = std::make_unique<pqxx::connection>(st.conninfo);
            pqxx::work tx{*st.conn};
            json result;
            if (q.kind == "positions")
              result = positions(tx, q);
            else if (q.kind == "metrics")
              result = metrics(tx, q);
            else if (q.kind == "messages")
              result = messages(tx, q);
            else
              result = coordinations(tx, q);
            result["from"] = q.from_ms;
            result["to"] = q.to_ms;
            return result.dump();
          } catch (const std::exception& e) {
            st.conn.reset();
            return caf::make_error(caf::sec::runtime_error,
                                   std::string{"history: "} + e.what());
          }
        },
      };
    });
}

} // namespace av::persistence
