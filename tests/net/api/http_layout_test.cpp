#define CAF_SUITE net.http_layout
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <chrono>
#include <cmath>

#include <caf/scoped_actor.hpp>

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

struct layout_fixture : api_fixture {
  /// The physics actor learns of agents from the bus, a moment after the
  /// registry: repeats `put` until it answers something other than 404.
  http_result put_until_known(const std::string& target, const json& body) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
    auto res = put(target, body);
    while (res.status == 404 && std::chrono::steady_clock::now() < deadline)
      res = put(target, body);
    return res;
  }

  http_result post_until_known(const std::string& target, const json& body) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
    auto res = post(target, body);
    while (res.status == 404 && std::chrono::steady_clock::now() < deadline)
      res = post(target, body);
    return res;
  }

  /// Where the physics actor has agent `num` now.
  agent_position where(num_id num) {
    agent_position result;
    caf::scoped_actor self{node->system()};
    self->request(node->physics(), std::chrono::seconds{5}, atom::get::value)
      .receive(
        [&](position_batch& batch) {
          for (auto& x : batch.agents)
            if (x.agent == num)
              result = x;
        },
        [&](caf::error& err) { CAF_FAIL("physics: " << to_string(err)); });
    return result;
  }
};

json vec(double x, double y, double z) {
  return json{{"x", x}, {"y", y}, {"z", z}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_layout_tests, layout_fixture)

CAF_TEST(a position pins an agent until released) {
  auto agent = spawn("coder", "pinned");
  auto num = agent["numId"].get<num_id>();
  auto res = put_until_known("/api/agents/pinned/position",
                             {{"position", vec(10, -20, 30.5)}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["numId"], num);
  CAF_CHECK_EQUAL(res.json["position"]["x"], 10.0);
  CAF_CHECK_EQUAL(res.json["position"]["z"], 30.5);
  CAF_CHECK_EQUAL(res.json["pinned"], true);
  auto pos = where(num);
  CAF_CHECK_EQUAL(pos.pos.x, 10.0f);
  CAF_CHECK_EQUAL(pos.pos.y, -20.0f);
  res = del("/api/agents/" + std::to_string(num) + "/position");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["pinned"], false);
  CAF_CHECK_EQUAL(res.json["numId"], num);
  // With a velocity the agent moves on from there instead of staying.
  res = put("/api/agents/pinned/position",
            {{"position", vec(0, 0, 0)}, {"velocity", vec(1, 0, 0)}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["pinned"], false);
  CAF_CHECK_EQUAL(res.json["velocity"]["x"], 1.0);
}

CAF_TEST(bad positions are refused) {
  spawn("coder", "p");
  http_result res;
  for (auto body :
       {json{{"position", {{"x", 1}, {"y", 2}}}},
        json{{"position", vec(1e9, 0, 0)}}, json{{"position", "here"}},
        json{{"velocity", vec(1, 2, 3)}},
        json{{"position", vec(1, 2, 3)}, {"velocity", 5}},
        json{{"position", vec(1, 2, 3)}, {"color", "red"}}}) {
    res = put("/api/agents/p/position", body);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(code(res), "invalid_argument");
  }
  res = put("/api/agents/nobody/position", {{"position", vec(1, 2, 3)}});
  CAF_CHECK_EQUAL(res.status, 404);
  res = del("/api/agents/nobody/position");
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST(formations place agents and release them) {
  std::vector<num_id> nums;
  for (int i = 0; i < 4; ++i)
    nums.push_back(spawn("worker")["numId"].get<num_id>());
  spawn("worker", "named");
  json agents = json::array();
  for (auto n : nums)
    agents.push_back(n);
  agents.push_back("named");
  auto res
    = post_until_known("/api/formations", {{"pattern", "circle"},
                                           {"agents", agents},
                                           {"centerPoint", vec(100, 0, 0)},
                                           {"spacing", 5}});
  if (res.status != 201)
    CAF_FAIL("formation: " << res.status << " " << res.body);
  auto id = res.json["id"].get<std::string>();
  CAF_CHECK_EQUAL(res.header("location"), "/api/formations/" + id);
  CAF_CHECK_EQUAL(res.json["pattern"], "circle");
  CAF_REQUIRE_EQUAL(res.json["agents"].size(), 5u);
  CAF_REQUIRE_EQUAL(res.json["targets"].size(), 5u);
  for (auto& t : res.json["targets"]) {
    auto dx = t["x"].get<double>() - 100;
    CAF_CHECK(std::fabs(dx) < 100);
  }
  res = del("/api/formations/" + id);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["id"], id);
  res = del("/api/formations/" + id);
  CAF_CHECK_EQUAL(res.status, 404);
  // A custom pattern takes one position per agent.
  res = post(
    "/api/formations",
    {{"pattern", "custom"},
     {"agents", {nums[0], nums[1]}},
     {"customPattern", {{"positions", {vec(1, 1, 1), vec(-1, -1, -1)}}}}});
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.json["targets"].size(), 2u);
}

CAF_TEST(bad formations are refused) {
  auto n = spawn("worker")["numId"].get<num_id>();
  for (auto body :
       {json{{"pattern", "star"}, {"agents", {n}}}, json{{"agents", {n}}},
        json{{"pattern", "grid"}, {"agents", json::array()}},
        json{{"pattern", "grid"}, {"agents", {n}}, {"spacing", 0}},
        json{{"pattern", "grid"}, {"agents", {n}}, {"centerPoint", 1}},
        json{{"pattern", "custom"}, {"agents", {n}}},
        json{{"pattern", "grid"}, {"agents", {true}}},
        json{{"pattern", "grid"}, {"agents", {n}}, {"shape", 1}}}) {
    auto res = post("/api/formations", body);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(code(res), "invalid_argument");
  }
  auto res = post_until_known("/api/formations",
                              {{"pattern", "grid"}, {"agents", {n, n}}});
  CAF_CHECK_EQUAL(res.status, 400);
  res = post("/api/formations", {{"pattern", "grid"}, {"agents", {"ghost"}}});
  CAF_CHECK_EQUAL(res.status, 404);
  res = post("/api/formations", {{"pattern", "grid"}, {"agents", {999999}}});
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST(physics parameters are read and tuned) {
  auto res = get("/api/physics");
  CAF_REQUIRE_EQUAL(res.status, 200);
  // The layout engine's defaults (docs/physics.md).
  CAF_CHECK_EQUAL(res.json["repulsion"].get<double>(), 2880.0);
  CAF_CHECK_EQUAL(res.json["springK"].get<double>(), 512.0);
  CAF_CHECK_EQUAL(res.json["damping"].get<double>(), 2.0);
  // Alone, this node runs the layout.
  CAF_CHECK_EQUAL(res.json["node"].get<std::string>(),
                  node->context()->node_name);
  res = put("/api/physics", {{"damping", 8.5}, {"springK", 0}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["damping"].get<double>(), 8.5);
  CAF_CHECK_EQUAL(res.json["springK"].get<double>(), 0.0);
  CAF_CHECK_EQUAL(res.json["repulsion"].get<double>(), 2880.0);
  res = get("/api/physics");
  CAF_CHECK_EQUAL(res.json["damping"].get<double>(), 8.5);
}

CAF_TEST(bad physics parameters are refused) {
  auto before = get("/api/physics").json;
  auto res = put("/api/physics", {{"damping", -1}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.json["error"]["field"], "damping");
  res = put("/api/physics", {{"repulsion", 1e8}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.json["error"]["field"], "repulsion");
  res = put("/api/physics", {{"springK", "stiff"}});
  CAF_CHECK_EQUAL(res.status, 400);
  res = put("/api/physics", {{"gravity", 1}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.json["error"]["field"], "gravity");
  // Nothing changed.
  CAF_CHECK_EQUAL(get("/api/physics").json, before);
}

CAF_TEST_FIXTURE_SCOPE_END()
