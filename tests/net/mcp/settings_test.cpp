#define CAF_SUITE mcp.settings
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <fstream>

#include "av/mcp/settings.hpp"

using namespace av::mcp;
using json = nlohmann::json;

CAF_TEST(the repository file reads with the seeds names) {
  auto x = load_settings(AV_SOURCE_DIR "/config/mcp-config.json", false);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->tool("swarm_init").max_agents, 100u);
  CAF_CHECK_EQUAL(x->tool("agent_coordinate").max_participants, 100u);
  CAF_CHECK_EQUAL(x->tool("agent_spawn").max_concurrent, 50u);
  CAF_CHECK_EQUAL(x->tool("agent_spawn").timeout_ms, 30000);
  CAF_CHECK_EQUAL(x->tool("memory_usage").ttl_s, 86400);
  CAF_CHECK(x->validate_permissions && x->rate_limit && x->log_metrics
            && x->update_state);
  CAF_CHECK_EQUAL(x->rate_max_calls, 600u);
}

CAF_TEST(hooks not listed are off and bad values name the field) {
  auto x
    = settings_from_json(json{{"hooks", {{"preExecution", json::array()}}}});
  CAF_REQUIRE(x);
  CAF_CHECK(!x->validate_permissions);
  CAF_CHECK(!x->rate_limit);
  CAF_CHECK(!x->log_metrics);
  auto bad = settings_from_json(
    json{{"tools", {{"agent_spawn", {{"maxConcurrent", 0}}}}}});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(bad.error(), "mcp-config.tools.agent_spawn.maxConcurrent: "
                               "expected a number from 1 to 100000");
  auto missing = load_settings("/nonexistent/mcp.json", false);
  CAF_REQUIRE(!missing);
  CAF_CHECK_EQUAL(missing.error(), "MCP_CONFIG: cannot read "
                                   "/nonexistent/mcp.json");
  CAF_CHECK(load_settings("/nonexistent/mcp.json", true));
}
