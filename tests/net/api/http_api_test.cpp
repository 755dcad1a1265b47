#define CAF_SUITE net.http_api
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

CAF_TEST_FIXTURE_SCOPE(http_api_tests, api_fixture)

CAF_TEST(health and readiness report the components) {
  auto res = get("/health");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["status"], "ok");
  CAF_CHECK_EQUAL(res.json["components"]["registry"]["status"], "up");
  CAF_CHECK_EQUAL(res.json["components"]["bus"]["status"], "up");
  CAF_CHECK_EQUAL(res.json["components"]["physics"]["status"], "up");
  CAF_CHECK(res.json["physics"]["tickMs"].is_number());
  // No browser has opened the stream.
  CAF_CHECK_EQUAL(res.json["viewers"], 0);
  CAF_CHECK_EQUAL(res.header("content-type"), "application/json");
  res = get("/ready");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["ready"], true);
}

CAF_TEST(agents are spawned found listed and deleted) {
  auto res = post(
    "/api/agents",
    {{"type", "coder"}, {"name", "alice"}, {"metadata", {{"team", "a"}}}});
  CAF_REQUIRE_EQUAL(res.status, 201);
  auto agent = res.json;
  auto id = agent["id"].get<std::string>();
  auto num = agent["numId"].get<uint32_t>();
  CAF_CHECK_EQUAL(res.header("location"), "/api/agents/" + id);
  CAF_CHECK_EQUAL(agent["name"], "alice");
  CAF_CHECK_EQUAL(agent["state"], "IDLE");
  CAF_CHECK_EQUAL(agent["provenance"], "measured");
  CAF_CHECK_EQUAL(agent["metadata"]["team"], "a");
  CAF_CHECK(agent["createdAt"].get<int64_t>() > 0);
  CAF_CHECK(agent["currentTask"].is_null());
  for (auto key : {id, std::to_string(num), std::string{"alice"}}) {
    res = get("/api/agents/" + key);
    CAF_CHECK_EQUAL(res.status, 200);
    CAF_CHECK_EQUAL(res.json["id"], id);
  }
  spawn("tester");
  res = get("/api/agents?type=coder");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["total"], 1);
  CAF_CHECK_EQUAL(res.json["agents"][0]["numId"], num);
  res = get("/api/agents?state=busy");
  CAF_CHECK_EQUAL(res.json["total"], 0);
  res = get("/api/agents?limit=1&offset=1");
  CAF_CHECK_EQUAL(res.json["total"], 2);
  CAF_CHECK_EQUAL(res.json["agents"].size(), 1u);
  res = get("/api/agents?limit=0");
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "limit");
  res = get("/api/agents?state=sleepy");
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "state");
  res = del("/api/agents/" + id + "?reason=done");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["state"], "TERMINATED");
  // The registry forgets the agent once its actor has ended; until then the
  // handle answers that it is gone.
  res = get("/api/agents/" + id);
  CAF_CHECK(res.status == 404 || res.status == 410);
  res = del("/api/agents/" + id);
  CAF_CHECK(res.status == 404 || res.status == 410);
  res = get("/api/agents/nobody");
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(code(res), "not_found");
}

CAF_TEST(bad spawn requests name the field) {
  auto res = client.request(verb::post, "/api/agents", "{\"type\": ");
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(code(res), "invalid_json");
  res = post("/api/agents", json::array());
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "body");
  res = post("/api/agents", json::object());
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "type");
  res = post("/api/agents", {{"type", "Bad Type!"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "type");
  res = post("/api/agents", {{"type", "coder"}, {"name", "42"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "name");
  res = post("/api/agents", {{"type", "coder"}, {"metadata", "x"}});
  CAF_CHECK_EQUAL(field(res), "metadata");
  res = post("/api/agents", {{"type", "coder"}, {"colour", "red"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "colour");
  res = post("/api/agents", {{"type", 7}});
  CAF_CHECK_EQUAL(field(res), "type");
  spawn("coder", "bob");
  res = post("/api/agents", {{"type", "coder"}, {"name", "bob"}});
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(code(res), "conflict");
  CAF_CHECK_EQUAL(field(res), "name");
}

CAF_TEST(tasks run and complete and transitions are checked) {
  auto agent = spawn("coder");
  auto base = "/api/agents/" + agent["id"].get<std::string>();
  auto res = post(base + "/tasks", {{"description", "write tests"}});
  CAF_REQUIRE_EQUAL(res.status, 201);
  auto task = res.json["taskId"].get<std::string>();
  CAF_CHECK_EQUAL(res.json["agent"]["state"], "BUSY");
  CAF_CHECK_EQUAL(res.json["agent"]["currentTask"], task);
  res = post(base + "/tasks", {{"description", 5}});
  CAF_CHECK_EQUAL(field(res), "description");
  res = post(base + "/tasks/other/complete", json::object());
  CAF_CHECK_EQUAL(res.status, 404);
  res = post(base + "/tasks/" + task + "/complete",
             {{"success", true}, {"output", "done"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["taskId"], task);
  CAF_CHECK_EQUAL(res.json["success"], true);
  CAF_CHECK_EQUAL(res.json["output"], "done");
  res = get(base);
  CAF_CHECK_EQUAL(res.json["state"], "IDLE");
  CAF_CHECK_EQUAL(res.json["tasksCompleted"], 1);
  res = put(base + "/state", {{"state", "BUSY"}});
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(code(res), "invalid_transition");
  res = put(base + "/state", {{"state", "ERROR"}, {"reason", "drill"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["state"], "ERROR");
  res = post(base + "/tasks", {{"description", "more"}});
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(code(res), "invalid_transition");
  res = put(base + "/state", {{"state", "IDLE"}});
  CAF_CHECK_EQUAL(res.status, 200);
  res = put(base + "/state", {{"state", "ASLEEP"}});
  CAF_CHECK_EQUAL(field(res), "state");
  res = post("/api/agents/nobody/tasks", {{"description", "x"}});
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST(metrics are reported with trends and history) {
  auto agent = spawn("analyst");
  auto base = "/api/agents/" + std::to_string(agent["numId"].get<int>());
  json sample{{"tasksCompleted", 3},
              {"successRate", 0.9},
              {"averageResponseTime", 120},
              {"resourceUtilization", 0.5}};
  auto res = post(base + "/metrics", sample);
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["metrics"]["successRate"], 0.9);
  CAF_CHECK_EQUAL(res.json["trends"]["successRateTrend"], "stable");
  CAF_CHECK(res.json["trends"].contains("responseTrend"));
  CAF_CHECK(res.json["trends"].contains("utilizationTrend"));
  // The seed's tool shape is accepted too.
  res = post(base + "/metrics", {{"agentId", "x"}, {"metrics", sample}});
  CAF_CHECK_EQUAL(res.status, 200);
  sample["successRate"] = 2;
  res = post(base + "/metrics", sample);
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "successRate");
  res = post(base + "/metrics", {{"successRate", 0.5}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "tasksCompleted");
  res = get(base + "/metrics");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["history"].size(), 2u);
  CAF_CHECK_EQUAL(res.json["numId"], agent["numId"]);
  res = get("/api/agents/999999/metrics");
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST(coordinations start and are listed and found) {
  std::vector<int> nums;
  for (int i = 0; i < 3; ++i)
    nums.push_back(spawn("peer")["numId"].get<int>());
  auto res = post(
    "/api/coordinations",
    {{"pattern", "consensus"}, {"participants", nums}, {"task", "ship it?"}});
  CAF_REQUIRE_EQUAL(res.status, 201);
  auto id = res.json["id"].get<std::string>();
  CAF_CHECK_EQUAL(res.json["pattern"], "consensus");
  CAF_CHECK_EQUAL(res.json["participants"].size(), 3u);
  CAF_CHECK_EQUAL(res.header("location"), "/api/coordinations/" + id);
  res = get("/api/coordinations/" + id);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["id"], id);
  res = get("/api/coordinations");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["total"], 1);
  res = get("/api/coordinations?status=nonsense");
  CAF_CHECK_EQUAL(field(res), "status");
  res = get("/api/coordinations/00000000-0000-4000-8000-000000000000");
  CAF_CHECK_EQUAL(res.status, 404);
  res = post("/api/coordinations",
             {{"pattern", "swarm"}, {"participants", nums}});
  CAF_CHECK_EQUAL(field(res), "pattern");
  res = post("/api/coordinations",
             {{"pattern", "mesh"}, {"participants", {nums[0]}}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "participants");
  res = post("/api/coordinations",
             {{"pattern", "mesh"}, {"participants", {nums[0], 4242}}});
  CAF_CHECK_EQUAL(res.status, 404);
  res = post("/api/coordinations",
             {{"pattern", "mesh"}, {"participants", {"a", "b"}}});
  CAF_CHECK_EQUAL(field(res), "participants");
}

CAF_TEST(messages between agents return a receipt) {
  auto a = spawn("coder", "ann");
  auto b = spawn("coder", "ben");
  auto res = post("/api/messages", {{"from", a["numId"]},
                                    {"to", "ben"},
                                    {"type", "request"},
                                    {"priority", "high"},
                                    {"content", "review please"}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["from"], a["numId"]);
  CAF_CHECK_EQUAL(res.json["to"], b["numId"]);
  CAF_CHECK(res.json["id"].get<uint64_t>() > 0);
  res = get("/api/agents/ben");
  CAF_CHECK_EQUAL(res.json["messagesReceived"], 1);
  res = post("/api/messages", {{"from", "ann"}, {"to", "nobody"}});
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(field(res), "to");
  res = post("/api/messages", {{"from", "nobody"}, {"to", "ben"}});
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(field(res), "from");
  res
    = post("/api/messages", {{"from", "ann"}, {"to", "ben"}, {"priority", 1}});
  CAF_CHECK_EQUAL(field(res), "priority");
  res = post("/api/messages", {{"to", "ben"}});
  CAF_CHECK_EQUAL(field(res), "from");
  res = get("/api/messages");
  CAF_CHECK_EQUAL(res.status, 405);
  CAF_CHECK_EQUAL(res.header("allow"), "POST, OPTIONS");
}

CAF_TEST(the snapshot holds agents coordinations and the sequence) {
  auto a = spawn("coder");
  auto b = spawn("tester");
  post("/api/coordinations",
       {{"pattern", "mesh"}, {"participants", {a["numId"], b["numId"]}}});
  auto res = get("/api/snapshot");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["agents"].size(), 2u);
  CAF_CHECK_EQUAL(res.json["agents"][0]["numId"], a["numId"]);
  CAF_CHECK_EQUAL(res.json["coordinations"].size(), 1u);
  auto& members = res.json["coordinations"][0]["participants"];
  CAF_REQUIRE_EQUAL(members.size(), 2u);
  CAF_CHECK_EQUAL(members[0]["numId"], a["numId"]);
  CAF_CHECK_EQUAL(members[0]["role"], "peer");
  // At least the two spawns were published before the snapshot was taken.
  CAF_CHECK(res.json["seq"].get<uint64_t>() >= 2u);
}

CAF_TEST(the snapshot names the bound ports of the event stream) {
  auto res = get("/api/snapshot");
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto& stream = res.json["stream"];
  CAF_CHECK_EQUAL(stream["path"], "/ws");
  // Both listeners bound port 0: the answer names the real ports.
  CAF_CHECK_EQUAL(stream["port"].get<uint16_t>(), node->ws_port());
  CAF_CHECK_EQUAL(stream["apiPort"].get<uint16_t>(), port);
  CAF_CHECK_NOT_EQUAL(node->ws_port(), 0);
}

CAF_TEST(unknown paths and methods are answered in JSON) {
  auto res = get("/api/nothing");
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(code(res), "not_found");
  res = client.request(verb::patch, "/api/agents", "{}");
  CAF_CHECK_EQUAL(res.status, 405);
  CAF_CHECK_EQUAL(res.header("allow"), "GET, HEAD, POST, OPTIONS");
  CAF_CHECK_EQUAL(code(res), "method_not_allowed");
}

CAF_TEST_FIXTURE_SCOPE_END()
