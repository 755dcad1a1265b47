#define CAF_SUITE net.http_units
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/api/json_mapping.hpp"
#include "av/error.hpp"
#include "av/http/api_error.hpp"
#include "av/http/router.hpp"

using namespace av;
using namespace av::http;
using json = nlohmann::json;

CAF_TEST(targets split into decoded segments and query pairs) {
  std::vector<std::string> path;
  param_list query;
  CAF_REQUIRE(
    parse_target("/api/agents/a%20b?type=x+y&limit=5&flag", path, query));
  CAF_CHECK_EQUAL(path, (std::vector<std::string>{"api", "agents", "a b"}));
  CAF_REQUIRE_EQUAL(query.size(), 3u);
  CAF_CHECK_EQUAL(query[0].second, "x y");
  CAF_CHECK_EQUAL(query[2].first, "flag");
  CAF_CHECK(!parse_target("api/agents", path, query));
  CAF_CHECK(!parse_target("/api/%2", path, query));
  CAF_CHECK(!parse_target("/api/%00", path, query));
  CAF_CHECK(!parse_target("/a?b=%zz", path, query));
  CAF_CHECK(!parse_target("", path, query));
}

CAF_TEST(routes match methods and placeholders) {
  router r;
  int hit = 0;
  r.add(verb::get, "/api/agents/{id}", [&](api_call) { hit = 1; });
  r.add(verb::delete_, "/api/agents/{id}", [&](api_call) { hit = 2; });
  auto m = r.find(verb::get, {"api", "agents", "7"});
  CAF_REQUIRE(m.hit != nullptr);
  CAF_CHECK_EQUAL(m.params.size(), 1u);
  CAF_CHECK_EQUAL(m.params[0].first, "id");
  CAF_CHECK_EQUAL(m.params[0].second, "7");
  m = r.find(verb::post, {"api", "agents", "7"});
  CAF_CHECK(m.hit == nullptr);
  CAF_CHECK_EQUAL(allow_header(m.allowed), "GET, HEAD, DELETE, OPTIONS");
  m = r.find(verb::get, {"api", "agents"});
  CAF_CHECK(m.allowed.empty());
}

CAF_TEST(node errors map to statuses and fields) {
  auto x = from_caf(make_error(ec::invalid_argument, "type", "expected a-z"));
  CAF_CHECK_EQUAL(x.code, status::bad_request);
  CAF_CHECK_EQUAL(x.field, "type");
  CAF_CHECK_EQUAL(x.message, "type: expected a-z");
  CAF_CHECK_EQUAL(from_caf(make_error(ec::not_found, "no agent")).code,
                  status::not_found);
  auto missing = from_caf(make_error(ec::not_found, "no agent"));
  CAF_CHECK_EQUAL(missing.field, "");
  CAF_CHECK_EQUAL(from_caf(make_error(ec::invalid_transition)).code,
                  status::conflict);
  CAF_CHECK_EQUAL(from_caf(make_error(ec::agent_limit_reached)).code,
                  status::conflict);
  auto spawns = from_caf(make_error(ec::too_many_spawns));
  CAF_CHECK_EQUAL(spawns.code, status::too_many_requests);
  CAF_CHECK_EQUAL(spawns.retry_after_s, 1);
  auto spawns_reply = to_reply(spawns);
  CAF_REQUIRE_EQUAL(spawns_reply.headers.size(), 1u);
  CAF_CHECK_EQUAL(spawns_reply.headers[0].first, "Retry-After");
  CAF_CHECK_EQUAL(from_caf(make_error(ec::terminated)).code, status::gone);
  CAF_CHECK_EQUAL(from_caf(make_error(ec::timeout)).code,
                  status::gateway_timeout);
  CAF_CHECK_EQUAL(from_caf(caf::make_error(caf::sec::request_timeout)).code,
                  status::gateway_timeout);
  CAF_CHECK_EQUAL(from_caf(make_error(ec::unreachable)).code,
                  status::not_found);
  // The field travels with the error; a context line that merely looks
  // like `field: …` names none.
  CAF_CHECK_EQUAL(
    from_caf(make_error(ec::invalid_argument, "participants: none")).field, "");
  auto body = to_json(x);
  CAF_CHECK_EQUAL(body["error"]["code"], "invalid_argument");
  CAF_CHECK(
    to_json(from_caf(make_error(ec::conflict)))["error"]["field"].is_null());
}

CAF_TEST(agent info maps to camel case json) {
  agent_info info;
  info.id = "u";
  info.num = 7;
  info.name = "n";
  info.type = "coder";
  info.state = agent_state::busy;
  info.metadata = R"({"k":1})";
  info.current_task = "t1";
  info.metrics.success_rate = 0.5;
  json x = info;
  CAF_CHECK_EQUAL(x["numId"], 7);
  CAF_CHECK_EQUAL(x["state"], "BUSY");
  CAF_CHECK_EQUAL(x["metadata"]["k"], 1);
  CAF_CHECK_EQUAL(x["currentTask"], "t1");
  CAF_CHECK_EQUAL(x["metrics"]["successRate"], 0.5);
  for (auto key : {"createdAt", "lastSeen", "queuedTasks", "tasksCompleted",
                   "tasksFailed", "messagesSent", "messagesReceived",
                   "restarts", "provenance", "type", "name", "id"})
    CAF_CHECK(x.contains(key));
  metric_trends trends;
  trends.response_time = trend::increasing;
  json t = trends;
  CAF_CHECK_EQUAL(t["responseTrend"], "increasing");
  CAF_CHECK_EQUAL(t["successRateTrend"], "stable");
}

CAF_TEST(request bodies parse with field errors) {
  auto spec
    = agent_spec_from_json({{"type", "coder"}, {"provenance", "simulated"}});
  CAF_REQUIRE(spec);
  CAF_CHECK_EQUAL(spec->origin, provenance::simulated);
  CAF_CHECK_EQUAL(
    agent_spec_from_json({{"type", "x"}, {"provenance", "z"}}).error(),
    "provenance: expected measured or simulated");
  auto sample = metrics_sample_from_json({{"tasksCompleted", 1},
                                          {"successRate", 1},
                                          {"averageResponseTime", 2},
                                          {"resourceUtilization", -1}});
  CAF_CHECK_EQUAL(sample.failure().field, "resourceUtilization");
  auto task = task_spec_from_json({{"simulatedMs", -3}});
  CAF_CHECK_EQUAL(task.failure().field, "simulatedMs");
  auto coord = coordination_spec_from_json(
    {{"pattern", "pipeline"}, {"participants", {1, 2}}, {"timeoutMs", 10}});
  CAF_REQUIRE(coord);
  CAF_CHECK_EQUAL(coord->kind, pattern::pipeline);
  CAF_CHECK_EQUAL(coord->timeout_ms, 10);
  auto msg = message_request_from_json({{"from", 0}, {"to", 1}});
  CAF_CHECK_EQUAL(msg.failure().field, "from");
  msg = message_request_from_json({{"from", 1}, {"to", "bob"}});
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->from, "1");
  CAF_CHECK_EQUAL(msg->msg.type, "inform");
}
