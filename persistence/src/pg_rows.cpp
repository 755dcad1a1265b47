#include "pg_rows.hpp"

#include <cstdio>
#include <ctime>
#include <tuple>

#include "av/node_context.hpp"
#include "av/partitions.hpp"

namespace av::persistence::detail {

namespace {

const std::string* find_id(const uuid_map& ids, num_id num) {
  auto i = ids.find(num);
  return i == ids.end() ? nullptr : &i->second;
}

std::string json_or_empty(const std::string& x) {
  return x.empty() ? "{}" : x;
}

/// Milliseconds since the epoch as SQL: to_timestamp of seconds.
constexpr const char* ts = "to_timestamp($%d::float8 / 1000)";

template <class F>
struct visitor : F {
  explicit visitor(F f) : F(std::move(f)) {}
  using F::operator();
};

} // namespace

void translate(const event& e, uuid_map& ids, std::deque<queued_op>& out) {
  auto push = [&](pg_op op) {
    out.push_back({e.seq, std::move(op)});
  };
  switch (e.kind()) {
    case event_kind::agent_spawned: {
      const auto& x = caf::get<agent_spawned>(e.payload);
      ids[x.agent.num] = x.agent.id;
      push(agent_row{x.agent.id, x.agent.num, x.agent.name, x.agent.type,
                     to_string(x.agent.state), to_string(x.agent.origin),
                     json_or_empty(x.metadata),
                     x.created_ms ? x.created_ms : e.time_ms});
      break;
    }
    case event_kind::agent_state: {
      const auto& x = caf::get<agent_state_changed>(e.payload);
      if (auto id = find_id(ids, x.agent))
        push(agent_state_row{*id, to_string(x.to),
                             x.to == agent_state::terminated, e.time_ms});
      break;
    }
    case event_kind::metrics: {
      const auto& x = caf::get<metrics_event>(e.payload);
      if (auto id = find_id(ids, x.agent))
        push(metrics_row{*id, x.sample});
      break;
    }
    case event_kind::message: {
      const auto& x = caf::get<message_event>(e.payload);
      auto from = find_id(ids, x.from);
      auto to = find_id(ids, x.to);
      if (from && to)
        push(message_row{make_uuid(), *from, *to, x.type, to_string(x.prio),
                         x.success, e.time_ms, x.latency_ns / 1000000,
                         x.content});
      break;
    }
    case event_kind::coordination: {
      const auto& x = caf::get<coordination_event>(e.payload);
      if (x.snapshot.id.empty())
        break;
      coordination_row row{x.snapshot, {}};
      for (const auto& p : x.snapshot.participants)
        if (auto id = find_id(ids, p.agent))
          row.members.emplace_back(*id, p);
      push(std::move(row));
      break;
    }
    case event_kind::agent_terminated: {
      const auto& x = caf::get<agent_terminated>(e.payload);
      if (!x.id.empty())
        push(agent_state_row{x.id, to_string(agent_state::terminated), true,
                             e.time_ms});
      break;
    }
    // Tasks, tool calls, formations and node events have no table.
    case event_kind::task:
    case event_kind::tool_called:
    case event_kind::formation:
    case event_kind::node_store:
    case event_kind::node_stopping:
    case event_kind::node_joined:
    case event_kind::node_left: break;
  }
}

void prepare_statements(pqxx::connection& conn) {
  auto at = [](int n) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), ts, n);
    return std::string{buf};
  };
  // $9 (and $12 of a coordination) is this node's name, its owner.
  conn.prepare("agent_upsert",
               "INSERT INTO agents (id, num_id, name, type, state, origin, "
               "metadata, created_at, node) VALUES ($1, $2, $3, $4, $5, $6, "
               "$7::jsonb, "
                 + at(8)
                 + ", $9) ON CONFLICT (id) DO UPDATE SET num_id = "
                   "EXCLUDED.num_id, name = EXCLUDED.name, type = "
                   "EXCLUDED.type, state = EXCLUDED.state, origin = "
                   "EXCLUDED.origin, metadata = EXCLUDED.metadata, "
                   "node = EXCLUDED.node, terminated_at = NULL");
  conn.prepare("agent_state",
               "UPDATE agents SET state = $2, terminated_at = CASE WHEN $3 "
               "THEN "
                 + at(4) + " ELSE terminated_at END WHERE id = $1");
  conn.prepare("metrics_insert",
               "INSERT INTO agent_metrics (agent_id, tasks_completed, "
               "success_rate, avg_response_time, resource_utilization, "
               "timestamp) VALUES ($1, $2, $3, $4, $5, "
                 + at(6) + ")");
  conn.prepare("message_insert",
               "INSERT INTO messages (id, from_agent, to_agent, message_type, "
               "priority, sent_at, received_at, latency_ms, success, content) "
               "VALUES ($1, $2, $3, $4, $5, "
                 + at(6) + ", " + at(7)
                 + ", $8, $9, jsonb_build_object('text', $10::text)) ON "
                   "CONFLICT (id) DO NOTHING");
  conn.prepare("coordination_upsert",
               "INSERT INTO coordinations (id, pattern, status, progress, "
               "task, result, reason, started_at, completed_at, metadata, "
               "checkpoint, node) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                 + at(8) + ", CASE WHEN $9::float8 > 0 THEN " + at(9)
                 + " END, $10::jsonb, $11::jsonb, $12) ON CONFLICT (id) DO "
                   "UPDATE "
                   "SET status = EXCLUDED.status, progress = "
                   "EXCLUDED.progress, result = EXCLUDED.result, reason = "
                   "EXCLUDED.reason, completed_at = EXCLUDED.completed_at, "
                   "metadata = EXCLUDED.metadata, checkpoint = "
                   "EXCLUDED.checkpoint");
  conn.prepare("participant_upsert",
               "INSERT INTO coordination_participants (coordination_id, "
               "agent_id, role, position, active) VALUES ($1, $2, $3, $4, $5) "
               "ON CONFLICT (coordination_id, agent_id) DO UPDATE SET role = "
               "EXCLUDED.role, position = EXCLUDED.position, active = "
               "EXCLUDED.active");
  conn.prepare("batch_seen", "SELECT 1 FROM writer_batches WHERE writer_run "
                             "= $1 AND batch = $2");
  conn.prepare("batch_mark", "INSERT INTO writer_batches (writer_run, batch) "
                             "VALUES ($1, $2)");
}

void apply_op(pqxx::work& tx, const pg_op& op, const std::string& node) {
  std::visit(
    visitor{[&](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, agent_row>) {
        tx.exec_prepared("agent_upsert", x.id, x.num, x.name, x.type, x.state,
                         x.origin, x.metadata, x.created_ms, node);
      } else if constexpr (std::is_same_v<T, agent_state_row>) {
        tx.exec_prepared("agent_state", x.id, x.state, x.terminated, x.time_ms);
      } else if constexpr (std::is_same_v<T, metrics_row>) {
        tx.exec_prepared("metrics_insert", x.agent_id,
                         static_cast<int64_t>(x.sample.tasks_completed),
                         x.sample.success_rate, x.sample.avg_response_ms,
                         x.sample.resource_utilization, x.sample.time_ms);
      } else if constexpr (std::is_same_v<T, message_row>) {
        tx.exec_prepared("message_insert", x.id, x.from, x.to, x.type, x.prio,
                         x.sent_ms, x.sent_ms + x.latency_ms, x.latency_ms,
                         x.success, x.content);
      } else {
        const auto& c = x.info;
        tx.exec_prepared(
          "coordination_upsert", c.id, to_string(c.kind), to_string(c.status),
          c.progress, c.task, c.result, c.reason, c.started_ms, c.completed_ms,
          json_or_empty(c.metadata), json_or_empty(c.checkpoint), node);
        int position = 0;
        for (const auto& [agent_id, p] : x.members)
          tx.exec_prepared("participant_upsert", c.id, agent_id, p.role,
                           position++, p.active);
      }
    }},
    op);
}

void copy_positions(pqxx::work& tx, const std::deque<position_row>& rows,
                    size_t count) {
  pqxx::stream_to stream{tx, "agent_positions",
                         std::vector<std::string>{"agent_id", "position_x",
                                                  "position_y", "position_z",
                                                  "velocity_x", "velocity_y",
                                                  "velocity_z", "timestamp"}};
  for (size_t i = 0; i < count; ++i) {
    const auto& r = rows[i];
    stream << std::make_tuple(r.agent_id, r.pos.x, r.pos.y, r.pos.z, r.vel.x,
                              r.vel.y, r.vel.z,
                              persistence::utc_timestamp(r.time_ms));
  }
  stream.complete();
}

const char* kind_of(const pg_op& op) {
  static constexpr const char* names[]
    = {"agent", "agent_state", "metrics", "message", "coordination"};
  return names[op.index()];
}

} // namespace av::persistence::detail
