#define CAF_SUITE mcp.events
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../ws/ws_fixture.hpp"
#include "mcp_call.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

struct fixture : ws_fixture {
  /// One line through the stdio entry point; waits for the answer.
  json call(const std::string& tool, const json& args) {
    auto answer = call_tool(node->mcp(), tool, args);
    if (answer.is_null())
      CAF_FAIL("no answer from " << tool);
    return answer;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(mcp_events_tests, fixture)

CAF_TEST(tool calls show up in the event stream) {
  auto c = connect();
  subscribe(*c);
  auto res = call("agent_spawn", json{{"type", "coder"}, {"name", "via-mcp"}});
  CAF_REQUIRE(res.contains("result"));
  CAF_CHECK_EQUAL(res["result"]["isError"], false);
  auto spawned = read_event(*c, "agent.spawned");
  CAF_REQUIRE(spawned);
  CAF_CHECK_EQUAL((*spawned)["data"]["name"], "via-mcp");
  // 3.0 is an integer to JSON Schema: it names agent 3 as 3 does.
  auto num = res["result"]["structuredContent"]["agents"][0]["numId"];
  auto by_float = call("agent_status",
                       json{{"agentId", static_cast<double>(num.get<int>())}});
  CAF_CHECK_EQUAL(by_float["result"]["structuredContent"]["agent"]["name"],
                  "via-mcp");
  auto called = read_event(*c, "tool.called");
  CAF_REQUIRE(called);
  CAF_CHECK_EQUAL((*called)["data"]["tool"], "agent_spawn");
  CAF_CHECK_EQUAL((*called)["data"]["outcome"], "ok");
  CAF_CHECK_GREATER((*called)["data"]["durationUs"].get<int64_t>(), 0);
}

CAF_TEST(failed calls are reported with their outcome) {
  auto c = connect();
  subscribe(*c);
  auto res = call("agent_status", json{{"agentId", "missing-agent"}});
  CAF_CHECK_EQUAL(res["result"]["isError"], true);
  auto invalid = call("agent_list", json{{"limit", 0}});
  CAF_CHECK_EQUAL(invalid["result"]["content"][0]["text"],
                  "arguments.limit: expected a number from 1 to 1000");
  auto first = read_event(*c, "tool.called");
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL((*first)["data"]["outcome"], "error");
  auto second = read_event(*c, "tool.called");
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL((*second)["data"]["outcome"], "invalid");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(mcp_training_tests, fixture)

CAF_TEST(neural_train learns from the tasks the node ran) {
  auto too_early = call("neural_train", json{{"model", "optimization"}});
  CAF_CHECK_EQUAL(too_early["result"]["isError"], true);
  auto good = spawn("reviewer", "good-one");
  auto bad = spawn("intern", "bad-one");
  // Reviewers succeed 9 times in 10, interns 2 times in 10.
  for (int i = 0; i < 40; ++i) {
    auto& agent = i % 2 == 0 ? good : bad;
    auto id = agent["id"].get<std::string>();
    auto task
      = post("/api/agents/" + id + "/tasks",
             json{{"description", "review: change " + std::to_string(i)}});
    CAF_REQUIRE_EQUAL(task.status, 201);
    auto n = i / 2;
    bool success = i % 2 == 0 ? n % 10 != 0 : n % 10 < 2;
    auto done = post("/api/agents/" + id + "/tasks/"
                       + task.json["taskId"].get<std::string>() + "/complete",
                     json{{"success", success}});
    CAF_REQUIRE_EQUAL(done.status, 200);
  }
  json res;
  // The training log hears of the tasks through the event bus.
  CAF_CHECK(eventually([&] {
    res = call("neural_train", json{{"model", "optimization"}});
    return res["result"]["isError"] == false;
  }));
  auto& content = res["result"]["structuredContent"];
  CAF_CHECK_EQUAL(content["samples"]["train"].get<int>()
                    + content["samples"]["test"].get<int>(),
                  40);
  CAF_CHECK_EQUAL(content["result"]["kinds"]["review"]["preferType"],
                  "reviewer");
  auto decision = call("neural_train", json{{"model", "decision"}});
  CAF_REQUIRE_EQUAL(decision["result"]["isError"], false);
  CAF_CHECK_EQUAL(decision["result"]["structuredContent"]["quality"]["metric"],
                  "accuracy");
}

CAF_TEST_FIXTURE_SCOPE_END()
