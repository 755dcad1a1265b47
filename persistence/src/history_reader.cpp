#include "av/history_reader.hpp"
#include "av/node_context.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "av/base/connection_url.hpp"
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
  // Samples of the same millisecond keep the order they were written in.
  auto rows = tx.exec_params(
    "SELECT t, tasks_completed, success_rate, avg_response_time, "
    "resource_utilization FROM (SELECT id, "
      + ms("timestamp")
      + " AS t, tasks_completed, success_rate, avg_response_time, "
        "resource_utilization FROM agent_metrics WHERE agent_id = $1 AND "
      + range + " ORDER BY timestamp DESC, id DESC LIMIT $4) m ORDER BY t, id",
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
      + " AS t, latency_ms, success, coalesce(content ->> 'text', '') FROM "
        "messages WHERE sent_at >= "
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
       {"success", r[7].as<bool>()},
       {"content", r[8].as<std::string>()}});
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
  uint64_t processed = 0;
};

/// One connection, in a thread of its own (queries block).
history_actor spawn_reader(caf::actor_system& sys, std::string conninfo) {
  return sys.spawn<caf::detached>(
    [conninfo](history_actor::stateful_pointer<reader_state> self)
      -> history_actor::behavior_type {
      self->state.conninfo = conninfo;
      return {
        [=](atom::history, const history_query& q) -> caf::result<std::string> {
          auto& st = self->state;
          ++st.processed;
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
        [=](atom::status, status_verbosity) {
          return status_header(self, "history_reader", "history_reader",
                               self->state.conn ? "connected" : "not connected",
                               self->state.processed);
        },
      };
    });
}

using promise = caf::typed_response_promise<std::string>;

struct pool_state {
  static inline const char* name = "history_pool";
  std::string conninfo;
  size_t max_readers = 1;
  /// Shared with the functor that ends them with the pool.
  std::shared_ptr<std::vector<history_actor>> readers
    = std::make_shared<std::vector<history_actor>>();
  std::vector<history_actor> idle;
  /// Queries waiting for a reader, oldest first.
  std::deque<std::pair<history_query, promise>> waiting;
  uint64_t processed = 0;
};

using pool_ptr = history_actor::stateful_pointer<pool_state>;

void dispatch(pool_ptr self, history_query q, promise rp);

void release(pool_ptr self, history_actor reader) {
  auto& st = self->state;
  st.idle.push_back(std::move(reader));
  if (st.waiting.empty())
    return;
  auto [q, rp] = std::move(st.waiting.front());
  st.waiting.pop_front();
  dispatch(self, std::move(q), std::move(rp));
}

/// Runs `q` on an idle reader, on a new one while fewer than the maximum
/// run, or queues it.
void dispatch(pool_ptr self, history_query q, promise rp) {
  auto& st = self->state;
  if (st.idle.empty() && st.readers->size() < st.max_readers) {
    st.readers->push_back(spawn_reader(self->system(), st.conninfo));
    st.idle.push_back(st.readers->back());
  }
  if (st.idle.empty()) {
    st.waiting.emplace_back(std::move(q), std::move(rp));
    return;
  }
  auto reader = st.idle.back();
  st.idle.pop_back();
  self->request(reader, caf::infinite, atom::history::value, std::move(q))
    .then(
      [=](std::string& text) mutable {
        rp.deliver(std::move(text));
        release(self, reader);
      },
      [=](caf::error& err) mutable {
        rp.deliver(std::move(err));
        release(self, reader);
      });
}

} // namespace

history_actor spawn_history_reader(caf::actor_system& sys,
                                   std::string database_url,
                                   size_t connections) {
  auto url = parse_postgres_url(database_url);
  auto conninfo = url ? to_conninfo(*url) + " connect_timeout=2" : database_url;
  conninfo += " application_name=agentviz-history";
  return sys.spawn(
    [conninfo, connections](pool_ptr self) -> history_actor::behavior_type {
      self->state.conninfo = conninfo;
      self->state.max_readers = std::max<size_t>(connections, 1);
      // The readers end with the pool.
      self->attach_functor([readers = self->state.readers](const caf::error&) {
        for (auto& reader : *readers)
          caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
      });
      return {
        [=](atom::history, history_query& q) -> caf::result<std::string> {
          ++self->state.processed;
          auto rp = self->make_response_promise<std::string>();
          dispatch(self, std::move(q), rp);
          return rp;
        },
        [=](atom::status, status_verbosity) {
          auto& st = self->state;
          return status_header(self, "history", "history",
                               std::to_string(st.readers->size()) + " of "
                                 + std::to_string(st.max_readers) + " readers, "
                                 + std::to_string(st.waiting.size())
                                 + " queries waiting",
                               st.processed);
        },
      };
    });
}

} // namespace av::persistence
