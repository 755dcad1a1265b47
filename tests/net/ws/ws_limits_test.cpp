#define CAF_SUITE ws.limits

#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;
namespace websocket = boost::beast::websocket;

namespace {

config::settings limit_settings() {
  auto cfg = ws_fixture::ws_settings();
  cfg.ws_max_connections = 2;
  cfg.ws_heartbeat_interval_ms = 1000;
  return cfg;
}

struct fixture : ws_fixture {
  fixture() : ws_fixture(limit_settings()) {
    // nop
  }

  uint64_t closes(const std::string& reason) {
    return node->ws_stats()->closes_of(reason);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_limits_tests, fixture)

CAF_TEST(the connection beyond the limit gets 1013 with a reason) {
  auto a = connect();
  auto b = connect();
  ws_client c{ws_port};
  CAF_REQUIRE(c.connected);
  CAF_REQUIRE(c.await_close());
  CAF_CHECK_EQUAL(c.close_reason.code, websocket::close_code::try_again_later);
  std::string why{c.close_reason.reason.data(), c.close_reason.reason.size()};
  CAF_CHECK(why.find("WS_MAX_CONNECTIONS") != std::string::npos);
  CAF_CHECK(eventually([&] { return closes("max_connections") == 1; }));
  // A slot that frees up admits the next client.
  a->close();
  CAF_REQUIRE(
    eventually([&] { return node->ws_stats()->sessions_open.load() == 1; }));
  auto d = connect();
  d->send(json{{"type", "ping"}});
  CAF_CHECK(d->read_type("pong"));
}

CAF_TEST(a peer that misses two heartbeats is closed) {
  auto quiet = connect();
  auto lively = connect();
  // The lively client reads, which answers the server's pings.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{4};
  while (std::chrono::steady_clock::now() < deadline && !lively->closed)
    lively->read(ms{200});
  CAF_CHECK(!lively->closed);
  CAF_CHECK(eventually([&] { return closes("heartbeat_timeout") == 1; }));
  CAF_CHECK_EQUAL(node->ws_stats()->sessions_open.load(), 1u);
}

CAF_TEST(bad json gets error events and repeated abuse closes with 1008) {
  auto c = connect();
  c->send_raw("{not json");
  auto err = c->read_type("error");
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL((*err)["code"], "invalid_json");
  c->send(json{{"no", "type"}});
  err = c->read_type("error");
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL((*err)["code"], "invalid_message");
  c->send(json{{"type", "subscribe"}, {"states", {"SLEEPY"}}});
  err = c->read_type("error");
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL((*err)["code"], "invalid_argument");
  // The session still works between mistakes.
  c->send(json{{"type", "ping"}});
  CAF_CHECK(c->read_type("pong"));
  c->send_raw("[");
  c->send_raw("\xff\xfe", true);
  CAF_REQUIRE(c->await_close());
  CAF_CHECK_EQUAL(c->close_reason.code, websocket::close_code::policy_error);
  CAF_CHECK(eventually([&] { return closes("bad_messages") == 1; }));
}

CAF_TEST(an oversized message closes with 1009) {
  auto c = connect();
  // The head of a masked text frame announcing 100 KiB; the server refuses
  // it from the header alone. (Sending the whole message races the close:
  // a client still writing may see a reset before it reads the close.)
  std::string head{'\x81', '\xff'};
  uint64_t size = 100 * 1024;
  for (int shift = 56; shift >= 0; shift -= 8)
    head.push_back(static_cast<char>((size >> shift) & 0xff));
  head.append("\x01\x02\x03\x04", 4);
  head.append(64, 'x');
  CAF_REQUIRE(c->send_bytes(head));
  CAF_REQUIRE(c->await_close());
  CAF_CHECK_EQUAL(c->close_reason.code, websocket::close_code::too_big);
  CAF_CHECK(eventually([&] { return closes("too_big") == 1; }));
}

CAF_TEST(origins outside ALLOWED_ORIGINS are refused on the upgrade) {
  ws_client::options evil;
  evil.headers = {{"Origin", "http://evil.example"}};
  ws_client c{ws_port, evil};
  CAF_CHECK(!c.connected);
  CAF_CHECK_EQUAL(c.http_status, 403);
  ws_client::options good;
  good.headers = {{"Origin", "http://localhost:3000"}};
  auto d = connect(good);
  CAF_CHECK(d->connected);
  CAF_CHECK(eventually([&] { return closes("origin_rejected") == 1; }));
}

CAF_TEST(other paths and plain HTTP requests are refused) {
  ws_client::options opts;
  opts.target = "/elsewhere";
  ws_client c{ws_port, opts};
  CAF_CHECK(!c.connected);
  CAF_CHECK_EQUAL(c.http_status, 404);
  http_client plain{ws_port};
  auto res = plain.request(http_client::verb::get, "/ws");
  CAF_CHECK_EQUAL(res.status, 426);
}

CAF_TEST_FIXTURE_SCOPE_END()
