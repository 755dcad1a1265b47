#define CAF_SUITE ws.client_message
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/ws/client_message.hpp"

using namespace av;
using namespace av::ws;
using kind = client_message::kind;

namespace {

client_message read(std::string_view text) {
  ws_filter defaults;
  defaults.max_agents = 300;
  defaults.fps = 30;
  return parse_client_message(text, defaults);
}

} // namespace

CAF_TEST(a subscribe reads every filter and starts from the limits) {
  auto x = read(R"({"type":"subscribe","types":["coder"],"states":["idle"],
    "coordinations":["c1"],"fps":10,"events":["formation.update"],
    "format":"quantized","token":"t"})");
  CAF_REQUIRE(x.what == kind::subscribe);
  CAF_CHECK_EQUAL(x.filter.types, std::vector<std::string>{"coder"});
  CAF_REQUIRE_EQUAL(x.filter.states.size(), 1u);
  CAF_CHECK(x.filter.states[0] == agent_state::idle);
  CAF_CHECK_EQUAL(x.filter.max_agents, 300u);
  CAF_CHECK_EQUAL(x.filter.fps, 10u);
  CAF_CHECK_EQUAL(x.filter.events, kind_bit(event_kind::formation));
  CAF_CHECK(x.format == frame_format::quantized);
  CAF_CHECK_EQUAL(x.token.value_or(""), "t");
  auto plain = read(R"({"type":"subscribe"})");
  CAF_CHECK_EQUAL(plain.filter.events, all_event_kinds);
  CAF_CHECK(plain.format == frame_format::float32);
  CAF_CHECK(!plain.token);
}

CAF_TEST(bad messages name their code) {
  auto code = [](std::string_view text) {
    auto x = read(text);
    return x.what == kind::invalid ? std::string{x.code} + ": " + x.error
                                   : std::string{"accepted"};
  };
  CAF_CHECK_EQUAL(code("{"), "invalid_json: the message is not valid JSON");
  CAF_CHECK_EQUAL(code("[1]"), "invalid_message: expected a JSON object "
                               "with a string `type`");
  CAF_CHECK_EQUAL(code(R"({"type":"x"})"),
                  "unknown_type: unknown message type `x`");
  CAF_CHECK_EQUAL(code(R"({"type":"auth"})"),
                  "invalid_message: auth: `token` must be a string");
  CAF_CHECK_EQUAL(code(R"({"type":"subscribe","fps":0})"),
                  "invalid_argument: fps: expected a positive integer");
  CAF_CHECK_EQUAL(code(R"({"type":"subscribe","states":["NAP"]})"),
                  "invalid_argument: states: unknown state NAP");
  CAF_CHECK_EQUAL(code(R"({"type":"subscribe","format":7})"),
                  "invalid_argument: format: expected \"float\" or "
                  "\"quantized\", got 7");
  CAF_CHECK_EQUAL(code(R"({"type":"ping","id":3})"), "accepted");
}

CAF_TEST(a command reads its method path and body) {
  auto x = read(R"({"type":"command","id":5,"method":"POST",
    "path":"/api/agents?x=%20","traceparent":"tp"})");
  CAF_REQUIRE(x.what == kind::command);
  command_request req;
  CAF_CHECK(!parse_command(x.doc, req));
  CAF_CHECK_EQUAL(req.id, 5);
  CAF_CHECK_EQUAL(req.traceparent, "tp");
  CAF_CHECK(req.method == http::verb::post);
  CAF_CHECK_EQUAL(req.path, (std::vector<std::string>{"api", "agents"}));
  CAF_REQUIRE_EQUAL(req.query.size(), 1u);
  CAF_CHECK_EQUAL(req.query[0].second, " ");
  CAF_CHECK(req.body_ok && req.body.is_object());
  command_request bad;
  auto err = parse_command(
    nlohmann::json::parse(R"({"method":"BREW","path":"/x","body":[1]})"), bad);
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL(err->name, std::string{"bad_request"});
  CAF_CHECK_EQUAL(bad.method_name, "BREW");
  command_request no_body;
  CAF_CHECK(!parse_command(
    nlohmann::json::parse(R"({"method":"PUT","path":"/x","body":[1]})"),
    no_body));
  CAF_CHECK(!no_body.body_ok);
}
