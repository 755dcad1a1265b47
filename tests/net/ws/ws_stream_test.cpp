#define CAF_SUITE ws.stream

#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <algorithm>
#include <set>

#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

CAF_TEST_FIXTURE_SCOPE(ws_stream_tests, ws_fixture)

CAF_TEST(a session says hello then streams events after subscribing) {
  auto c = connect();
  auto sub = subscribe(*c);
  auto base = sub["seq"].get<uint64_t>();
  auto agent = spawn("coder", "ws-one");
  auto ev = read_event(*c, "agent.spawned");
  CAF_REQUIRE(ev);
  CAF_CHECK_GREATER((*ev)["seq"].get<uint64_t>(), base);
  CAF_CHECK_EQUAL((*ev)["data"]["numId"], agent["numId"]);
  CAF_CHECK_EQUAL((*ev)["data"]["name"], "ws-one");
  c->close();
}

CAF_TEST(position frames carry the agents numeric ids) {
  auto c = connect();
  subscribe(*c);
  std::set<num_id> want;
  for (int i = 0; i < 3; ++i)
    want.insert(spawn("coder")["numId"].get<num_id>());
  auto seen = frame_agents(*c, want, std::chrono::seconds{10});
  CAF_CHECK(std::includes(seen.begin(), seen.end(), want.begin(), want.end()));
  // A frame is counted when its write completes, which may come after the
  // viewer has read it.
  auto hub = [&](const char* key) {
    return caf::get_or(hub_status(), key, uint64_t{0});
  };
  CAF_CHECK(eventually([&] { return hub("frames_sent") > 0; }));
  CAF_CHECK(eventually([&] { return hub("sessions_open") == 1; }));
}

CAF_TEST(filters select agent types for events and frames) {
  auto c = connect();
  subscribe(*c, json{{"types", {"tester"}}});
  auto coder = spawn("coder")["numId"].get<num_id>();
  auto tester = spawn("tester")["numId"].get<num_id>();
  auto ev = read_event(*c, "agent.spawned");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["numId"], tester);
  auto seen = frame_agents(*c, {tester}, std::chrono::seconds{10});
  CAF_CHECK_EQUAL(seen.count(tester), 1u);
  CAF_CHECK_EQUAL(seen.count(coder), 0u);
}

CAF_TEST(an event list limits the events streamed but not the frames) {
  auto c = connect();
  subscribe(*c, json{{"events", {"agent.terminated"}}});
  auto agent = spawn("coder");
  auto num = agent["numId"].get<num_id>();
  auto seen = frame_agents(*c, {num}, std::chrono::seconds{10});
  CAF_CHECK_EQUAL(seen.count(num), 1u);
  CAF_REQUIRE_EQUAL(del("/api/agents/" + agent["id"].get<std::string>()).status,
                    200);
  // Every event up to the termination passed through the filter: the first
  // event to arrive is the termination, not the earlier spawn.
  std::optional<json> first;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!first && std::chrono::steady_clock::now() < deadline) {
    auto msg = c->read(std::chrono::milliseconds{500});
    if (msg && !msg->binary && msg->json.contains("seq"))
      first = msg->json;
  }
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL((*first)["type"], "agent.terminated");
  CAF_CHECK_EQUAL((*first)["data"]["numId"], num);
}

CAF_TEST(an unknown event type in the event list is named in the error) {
  auto c = connect();
  c->send(json{{"type", "subscribe"}, {"events", {"agent.spawned", "nope"}}});
  auto err = c->read_type("error");
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL((*err)["code"], "invalid_argument");
  CAF_CHECK_NOT_EQUAL((*err)["message"].get<std::string>().find("nope"),
                      std::string::npos);
}

CAF_TEST(the agent cap limits what a viewer sees) {
  auto c = connect();
  auto sub = subscribe(*c, json{{"maxAgents", 2}});
  CAF_CHECK_EQUAL(sub["maxAgents"], 2);
  for (int i = 0; i < 4; ++i)
    spawn("coder");
  int spawned = 0;
  while (auto ev = read_event(*c, "agent.spawned", ms{1000}))
    ++spawned;
  CAF_CHECK_EQUAL(spawned, 2);
}

CAF_TEST(a state filter follows agents in and out of view) {
  auto c = connect();
  subscribe(*c, json{{"states", {"ERROR"}}});
  auto agent = spawn("coder", "flaky");
  auto res = put("/api/agents/flaky/state",
                 json{{"state", "ERROR"}, {"reason", "test"}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto ev = read_event(*c, "agent.state");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["numId"], agent["numId"]);
  CAF_CHECK_EQUAL((*ev)["data"]["to"], "ERROR");
  // The change that takes it out of view is still shown, later ones not.
  res = put("/api/agents/flaky/state", json{{"state", "IDLE"}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  ev = read_event(*c, "agent.state");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["to"], "IDLE");
  res = del("/api/agents/flaky");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK(!read_event(*c, "agent.terminated", ms{500}));
}

CAF_TEST(two hundred viewers each get every event once) {
  std::vector<std::unique_ptr<ws_client>> viewers;
  for (int i = 0; i < 200; ++i) {
    viewers.push_back(connect());
    subscribe(*viewers.back());
  }
  for (int i = 0; i < 5; ++i)
    spawn("coder");
  for (auto& v : viewers) {
    int n = 0;
    while (n < 5 && read_event(*v, "agent.spawned"))
      ++n;
    CAF_CHECK_EQUAL(n, 5);
  }
  auto st = hub_status();
  CAF_CHECK_EQUAL(caf::get_or(st, "sessions_subscribed", uint64_t{0}), 200u);
  CAF_CHECK_EQUAL(caf::get_or(st, "filter_groups", uint64_t{0}), 1u);
}

CAF_TEST(commands run through the HTTP API handlers) {
  auto c = connect();
  c->send(json{{"type", "command"},
               {"id", 1},
               {"method", "POST"},
               {"path", "/api/agents"},
               {"body", {{"type", "planner"}, {"name", "via-ws"}}}});
  auto res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["id"], 1);
  CAF_CHECK_EQUAL((*res)["status"], 201);
  CAF_CHECK_EQUAL((*res)["body"]["name"], "via-ws");
  c->send(json{{"type", "command"},
               {"id", "two"},
               {"method", "GET"},
               {"path", "/api/agents/via-ws"}});
  res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["id"], "two");
  CAF_CHECK_EQUAL((*res)["status"], 200);
  c->send(json{{"type", "command"},
               {"id", 3},
               {"method", "GET"},
               {"path", "/api/nothing"}});
  res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["status"], 404);
  // Every route of the API, hooks and history included.
  c->send(json{{"type", "command"},
               {"id", 4},
               {"method", "POST"},
               {"path", "/api/hooks/SessionStart"},
               {"body", {{"session_id", "ws-session"}}}});
  res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["status"], 200);
  c->send(json{{"type", "command"},
               {"id", 5},
               {"method", "GET"},
               {"path", "/api/history/messages"}});
  res = c->read_type("result");
  CAF_REQUIRE(res);
  // Without DATABASE_URL: the route's own answer, not 404.
  CAF_CHECK_EQUAL((*res)["status"], 503);
}

CAF_TEST(formations are streamed when formed and released) {
  auto c = connect();
  subscribe(*c);
  auto a = spawn("coder")["numId"].get<num_id>();
  auto b = spawn("coder")["numId"].get<num_id>();
  auto res
    = post("/api/formations",
           {{"pattern", "circle"}, {"agents", {a, b}}, {"id", "ring-1"}});
  CAF_REQUIRE_EQUAL(res.status, 201);
  auto formed = read_event(*c, "formation.update");
  CAF_REQUIRE(formed);
  CAF_CHECK_EQUAL((*formed)["data"]["id"], "ring-1");
  CAF_CHECK_EQUAL((*formed)["data"]["pattern"], "circle");
  CAF_CHECK_EQUAL((*formed)["data"]["phase"], "formed");
  CAF_CHECK_EQUAL((*formed)["data"]["agents"], json::array({a, b}));
  CAF_REQUIRE_EQUAL(
    client.request(verb::delete_, "/api/formations/ring-1").status, 200);
  auto released = read_event(*c, "formation.update");
  CAF_REQUIRE(released);
  CAF_CHECK_EQUAL((*released)["data"]["phase"], "released");
  CAF_CHECK_GREATER((*released)["seq"].get<uint64_t>(),
                    (*formed)["seq"].get<uint64_t>());
}

CAF_TEST(ping answers pong) {
  auto c = connect();
  c->send(json{{"type", "ping"}, {"id", 9}});
  auto pong = c->read_type("pong");
  CAF_REQUIRE(pong);
  CAF_CHECK_EQUAL((*pong)["id"], 9);
}

CAF_TEST(compressed sessions work) {
  auto cfg = ws_settings();
  cfg.ws_compression = true;
  ws_fixture other{cfg};
  ws_client::options opts;
  opts.compression = true;
  auto c = other.connect(opts);
  subscribe(*c);
  other.spawn("coder");
  CAF_CHECK(read_event(*c, "agent.spawned"));
  // Frames go out uncompressed on a compressed session, which is allowed
  // per message: the client still reads them.
  std::optional<ws_client::message> frame;
  for (int i = 0; i < 100 && !(frame && frame->binary); ++i)
    frame = c->read(ms{2000});
  CAF_REQUIRE(frame && frame->binary);
  CAF_CHECK_EQUAL(frame->data.substr(0, 4), "AVPF");
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

config::settings auth_settings() {
  auto cfg = ws_fixture::ws_settings();
  cfg.api_key = "ws-test-key";
  return cfg;
}

struct auth_fixture : ws_fixture {
  auth_fixture() : ws_fixture(auth_settings()) {
    // nop
  }
};

json spawn_command(int id) {
  return json{{"type", "command"},
              {"id", id},
              {"method", "POST"},
              {"path", "/api/agents"},
              {"body", {{"type", "coder"}}}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_auth_tests, auth_fixture)

CAF_TEST(commands need the same credentials as the HTTP API) {
  auto c = connect();
  c->send(spawn_command(1));
  auto res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["status"], 401);
  c->send(json{{"type", "auth"}, {"token", "wrong"}});
  c->send(spawn_command(2));
  res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["status"], 401);
  c->send(json{{"type", "auth"}, {"token", "ws-test-key"}});
  c->send(spawn_command(3));
  res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["id"], 3);
  CAF_CHECK_EQUAL((*res)["status"], 201);
}

CAF_TEST(an authorization header on the upgrade counts too) {
  ws_client::options opts;
  opts.headers = {{"Authorization", "Bearer ws-test-key"}};
  auto c = connect(opts);
  c->send(spawn_command(1));
  auto res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["status"], 201);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(commands are rate limited like HTTP requests) {
  auto cfg = ws_fixture::ws_settings();
  cfg.rate_limit_max_requests = 3;
  cfg.rate_limit_window_ms = 60000;
  ws_fixture f{cfg};
  auto c = f.connect();
  for (int i = 1; i <= 3; ++i) {
    c->send(spawn_command(i));
    auto res = c->read_type("result");
    CAF_REQUIRE(res);
    CAF_CHECK_EQUAL((*res)["status"], 201);
  }
  c->send(spawn_command(4));
  auto res = c->read_type("result");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL((*res)["id"], 4);
  CAF_CHECK_EQUAL((*res)["status"], 429);
  CAF_CHECK_EQUAL((*res)["body"]["error"]["code"], "rate_limited");
  CAF_CHECK_GREATER((*res)["body"]["error"]["retryAfter"].get<int>(), 0);
}
