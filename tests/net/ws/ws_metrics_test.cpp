#define CAF_SUITE ws.metrics
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../prometheus_text.hpp"
#include "av/ws/send_ring.hpp"
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
  // The events went out through io_uring where the kernel allows it
  // (WS_IO_URING is on by default), several writes to a submission at most.
  std::string why;
  bool ring = net::send_ring::open(8, why) != nullptr;
  auto writes = value_of(text, "agentviz_ws_ring_writes_total");
  auto calls = value_of(text, "agentviz_ws_ring_submissions_total");
  CAF_REQUIRE(writes && calls);
  if (ring) {
    CAF_CHECK_GREATER_OR_EQUAL(*writes, 2.0);
    CAF_CHECK_GREATER(*calls, 0.0);
    CAF_CHECK_LESS_OR_EQUAL(*calls, *writes);
  } else {
    CAF_MESSAGE("no io_uring here (" << why << "): every write a sendmsg");
    CAF_CHECK_EQUAL(*writes, 0.0);
  }
  stays->close();
}

CAF_TEST_FIXTURE_SCOPE_END()
