#include "av/restore.hpp"

#include <algorithm>
#include <memory>

#include <pqxx/pqxx>

#include "av/base/connection_url.hpp"
#include "av/conninfo.hpp"

namespace av::persistence {

namespace {

std::unique_ptr<pqxx::connection> connect(const std::string& database_url) {
  auto url = parse_postgres_url(database_url);
  return std::make_unique<pqxx::connection>(url ? to_conninfo(*url)
                                                : database_url);
}

} // namespace

size_t claim_unowned(const std::string& database_url, const std::string& node) {
  auto db = connect(database_url);
  pqxx::work tx{*db};
  auto agents
    = tx.exec_params("UPDATE agents SET node = $1 WHERE node = ''", node);
  auto coordinations = tx.exec_params(
    "UPDATE coordinations SET node = $1 WHERE node = ''", node);
  tx.commit();
  return static_cast<size_t>(agents.affected_rows()
                             + coordinations.affected_rows());
}

std::vector<agent_snapshot> load_agents(const std::string& database_url,
                                        const std::string& node,
                                        size_t history) {
  auto db = connect(database_url);
  auto& conn = *db;
  pqxx::read_transaction tx{conn};
  std::vector<agent_snapshot> result;
  for (const auto& row : tx.exec_params(
         "SELECT id, num_id, name, type, state, origin, metadata::text, "
         "(extract(epoch FROM created_at) * 1000)::bigint FROM agents WHERE "
         "state <> 'TERMINATED' AND node = $1 ORDER BY num_id",
         node)) {
    agent_snapshot snap;
    auto& info = snap.info;
    info.id = row[0].as<std::string>();
    info.num = row[1].as<num_id>();
    info.name = row[2].as<std::string>();
    info.type = row[3].as<std::string>();
    if (!parse(row[4].as<std::string>(), info.state))
      info.state = agent_state::idle;
    if (!parse(row[5].as<std::string>(), info.origin))
      info.origin = provenance::measured;
    info.metadata = row[6].as<std::string>();
    info.created_ms = row[7].as<int64_t>();
    for (const auto& m : tx.exec_params(
           "SELECT (extract(epoch FROM timestamp) * 1000)::bigint, "
           "tasks_completed, success_rate, avg_response_time, "
           "resource_utilization FROM agent_metrics WHERE agent_id = $1 "
           "ORDER BY timestamp DESC LIMIT $2",
           info.id, static_cast<int64_t>(history)))
      snap.history.push_back({m[0].as<int64_t>(), m[1].as<double>(),
                              m[2].as<double>(), m[3].as<double>(),
                              m[4].as<double>()});
    std::reverse(snap.history.begin(), snap.history.end());
    if (!snap.history.empty())
      info.metrics = snap.history.back();
    result.push_back(std::move(snap));
  }
  return result;
}

std::vector<coordination_info>
load_coordinations(const std::string& database_url, const std::string& node) {
  auto db = connect(database_url);
  pqxx::read_transaction tx{*db};
  std::vector<coordination_info> result;
  for (const auto& row : tx.exec_params(
         "SELECT id, pattern, status, progress, task, result, reason, "
         "(extract(epoch FROM started_at) * 1000)::bigint, metadata::text, "
         "checkpoint::text FROM coordinations WHERE status IN ('FORMING', "
         "'ACTIVE') AND node = $1 ORDER BY started_at, id",
         node)) {
    coordination_info info;
    info.id = row[0].as<std::string>();
    if (!parse(row[1].as<std::string>(), info.kind)
        || !parse(row[2].as<std::string>(), info.status))
      continue;
    info.progress = row[3].as<double>();
    info.task = row[4].as<std::string>();
    info.result = row[5].as<std::string>();
    info.reason = row[6].as<std::string>();
    info.started_ms = row[7].as<int64_t>();
    info.metadata = row[8].as<std::string>();
    info.checkpoint = row[9].as<std::string>();
    // Numbers of terminated agents stay in `agents`, so every participant
    // keeps its number; those not restored count as having left.
    for (const auto& p : tx.exec_params(
           "SELECT a.num_id, p.role, p.active FROM coordination_participants "
           "p JOIN agents a ON a.id = p.agent_id WHERE p.coordination_id = $1 "
           "ORDER BY p.position",
           info.id))
      info.participants.push_back(
        {p[0].as<num_id>(), p[1].as<std::string>(), p[2].as<bool>()});
    result.push_back(std::move(info));
  }
  return result;
}

} // namespace av::persistence
