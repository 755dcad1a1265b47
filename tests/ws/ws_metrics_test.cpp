#define CAF_SUITE ws.metrics
#include "caf/test/unit_test.hpp"

#include "../net/prometheus_text.hpp"
#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;

namespace {

config::settings metered_settings() {
  auto cfg = ws_fixture::ws_settings();
  cfg.prometheus_enabled = true;
  return cfg;
}

struct metered_fixture : ws_fixture {
  metered_fixture() : ws_fixture(metered_settings()) {
    // nop
  }

  std::string scrape() {
    http_client scraper{node->metrics_port()};
    auto res = scraper.request(verb::get, "/metrics");
    CAF_REQUIRE_EQUAL(res.status, 200);
    return res.body;
  }

  /// Scrapes until `series` has `value`; the last scrape either way.
  std::string scrape_until(const std::string& series, double value) {
    std::string text;
    eventually([&] {
      text = scrape();
      return value_of(text, series) == value;
    });
    return text;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_metrics_tests, metered_fixture)

CAF_TEST(the stream counters reach the metrics endpoint) {
  auto stays = connect();
  subscribe(*stays);
  auto leaves = connect();
  subscribe(*leaves);
  spawn("coder", "metered");
  CAF_REQUIRE(read_event(*stays, "agent.spawned"));
  CAF_REQUIRE(read_event(*leaves, "agent.spawned"));
  leaves->close();
  auto text
    = scrape_until(R"(agentviz_ws_closes_total{reason="client_closed"})", 1);
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_ws_closes_total{reason="client_closed"})"), 1.0);
  CAF_CHECK_EQUAL(value_of(text, "agentviz_ws_sessions"), 1.0);
  CAF_CHECK_EQUAL(value_of(text, "agentviz_ws_sessions_total"), 2.0);
  // Each session got the event (control messages are not counted).
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_ws_messages_sent_total{kind="event"})"), 2.0);
  auto bytes = value_of(text, "agentviz_ws_bytes_sent_total");
  CAF_REQUIRE(bytes);
  CAF_CHECK_GREATER(*bytes, 0.0);
  CAF_CHECK_EQUAL(value_of(text, "agentviz_ws_resyncs_total"), 0.0);
  // No viewer asked for quantized frames: none were encoded.
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_ws_frame_payloads_total{format="quantized"})"),
    0.0);
  CAF_CHECK(value_of(text, R"(agentviz_actor_mailbox_depth{kind="hub"})"));
  stays->close();
}

CAF_TEST_FIXTURE_SCOPE_END()
