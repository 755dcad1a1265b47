#define CAF_SUITE mcp.commit
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../../persistence/pg_fixture.hpp"
#include "../api_fixture.hpp"
#include "av/migrations.hpp"
#include "mcp_call.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// A node writing to a scratch database of DATABASE_URL's server.
struct stored_node {
  scratch_database db;
  std::unique_ptr<av::node> node;

  explicit stored_node(av::connection_url server) : db(std::move(server)) {
    persistence::prepare_database(db.url(), true);
    auto cfg = test_settings();
    cfg.database_url = db.url();
    node = std::make_unique<av::node>(cfg);
  }

  ~stored_node() { node->shutdown(); }

  json ok(const std::string& tool, const json& args) {
    auto answer = call_tool(node->mcp(), tool, args);
    if (answer.is_null())
      CAF_FAIL("no answer from " << tool);
    if (answer["result"]["isError"] != false)
      CAF_FAIL(tool << " failed: " << answer.dump());
    return answer["result"]["structuredContent"];
  }

  /// The first field of `sql` with $1 bound to `param`, read the moment
  /// the answer arrived: no polling, no waiting.
  std::string row(const std::string& sql, const std::string& param) {
    auto conn = db.connect();
    pqxx::nontransaction tx{*conn};
    auto rows = tx.exec_params(sql, param);
    return rows.empty() || rows[0][0].is_null() ? std::string{}
                                                : rows[0][0].as<std::string>();
  }
};

} // namespace

CAF_TEST(write tools answer once PostgreSQL holds their changes) {
  AV_REQUIRE_POSTGRES(server);
  stored_node n{*server};
  auto spawned = n.ok("agent_spawn", json{{"type", "stored"}, {"count", 3}});
  CAF_CHECK_EQUAL(
    n.row("SELECT count(*) FROM agents WHERE type = $1", "stored"), "3");
  auto first = spawned["agents"][0]["id"].get<std::string>();
  auto second = spawned["agents"][1]["id"].get<std::string>();
  n.ok("monitor_agent_performance", json{{"agentId", first},
                                         {"metrics",
                                          {{"tasksCompleted", 4},
                                           {"successRate", 0.75},
                                           {"averageResponseTime", 120},
                                           {"resourceUtilization", 0.5}}}});
  CAF_CHECK_EQUAL(
    n.row("SELECT count(*) FROM agent_metrics WHERE agent_id = $1", first),
    "1");
  auto coordination
    = n.ok("agent_coordinate",
           json{{"pattern", "mesh"}, {"participants", {first, second}}});
  auto coordination_id = coordination["coordination"]["id"].get<std::string>();
  CAF_CHECK_EQUAL(n.row("SELECT count(*) FROM coordination_participants "
                        "WHERE coordination_id = $1",
                        coordination_id),
                  "2");
  n.ok("swarm_init",
       json{{"topology", "ring"}, {"maxAgents", 4}, {"types", {"swarmed"}}});
  CAF_CHECK_EQUAL(
    n.row("SELECT count(*) FROM agents WHERE type = $1", "swarmed"), "4");
  n.ok("agent_terminate", json{{"agentId", second}});
  CAF_CHECK_EQUAL(n.row("SELECT state FROM agents WHERE id = $1", second),
                  "TERMINATED");
}
