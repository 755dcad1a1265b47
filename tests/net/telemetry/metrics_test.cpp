#define CAF_SUITE net.metrics
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "../api_fixture.hpp"
#include "../prometheus_text.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

config::settings metrics_settings() {
  auto cfg = test_settings();
  cfg.prometheus_enabled = true;
  return cfg;
}

struct metrics_fixture : api_fixture {
  metrics_fixture() : api_fixture(metrics_settings()) {
    // nop
  }

  std::string scrape() {
    CAF_REQUIRE(node->metrics_port() != 0);
    http_client scraper{node->metrics_port()};
    auto res = scraper.request(verb::get, "/metrics");
    CAF_REQUIRE_EQUAL(res.status, 200);
    return res.body;
  }

  /// Scrapes until the actors' series are in: an actor that misses the
  /// scrape's deadline (a loaded machine) is left out of that scrape.
  std::string scrape_all() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
    auto text = scrape();
    while (!complete(text) && std::chrono::steady_clock::now() < deadline)
      text = scrape();
    return text;
  }

  static bool complete(const std::string& text) {
    for (auto x : {"agentviz_agents{", "agentviz_physics_tick_seconds_count",
                   "agentviz_actor_mailbox_depth{kind=\"bus\"}"})
      if (text.find(x) == std::string::npos)
        return false;
    return true;
  }
};

config::settings guarded_settings() {
  auto cfg = metrics_settings();
  cfg.api_key = "metrics-test-key";
  cfg.rate_limit_max_requests = 4;
  cfg.rate_limit_window_ms = 60000;
  return cfg;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(metrics_tests, metrics_fixture)

CAF_TEST(metrics describe agents actors and requests) {
  spawn("coder");
  spawn("coder");
  spawn("tester");
  CAF_CHECK_EQUAL(get("/api/agents").status, 200);
  CAF_CHECK_EQUAL(get("/api/agents/nobody").status, 404);
  CAF_CHECK_EQUAL(get("/no/such/route").status, 404);
  CAF_CHECK_EQUAL(
    post("/api/hooks/SessionStart", {{"session_id", "m1"}}).status, 200);
  auto text = scrape_all();
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_agents{state="IDLE",type="coder"})"), 2.0);
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_agents{state="IDLE",type="tester"})"), 1.0);
  CAF_CHECK_EQUAL(value_of(text, R"(agentviz_coordinations{status="ACTIVE"})"),
                  0.0);
  CAF_CHECK_EQUAL(
    value_of(
      text,
      R"(agentviz_http_requests_total{method="POST",route="/api/agents",status="201"})"),
    3.0);
  CAF_CHECK_EQUAL(
    value_of(
      text,
      R"(agentviz_http_requests_total{method="GET",route="/api/agents/{id}",status="404"})"),
    1.0);
  CAF_CHECK_EQUAL(
    value_of(
      text,
      R"(agentviz_http_requests_total{method="GET",route="none",status="404"})"),
    1.0);
  CAF_CHECK_EQUAL(
    value_of(
      text,
      R"(agentviz_http_request_duration_seconds_count{method="POST",route="/api/agents"})"),
    3.0);
  auto processed = value_of(
    text, R"(agentviz_actor_messages_processed_total{kind="registry"})");
  CAF_REQUIRE(processed.has_value());
  CAF_CHECK_GREATER_OR_EQUAL(*processed, 3.0);
  CAF_CHECK(value_of(text, R"(agentviz_actor_mailbox_depth{kind="physics"})"));
  CAF_CHECK(value_of(text, R"(agentviz_actor_mailbox_depth{kind="bus"})"));
  // The watcher that keeps agent listings current.
  CAF_CHECK(
    value_of(text, R"(agentviz_actor_mailbox_depth{kind="agent_lists"})"));
  auto ticks = value_of(text, "agentviz_physics_tick_seconds_count");
  auto inf
    = value_of(text, R"(agentviz_physics_tick_seconds_bucket{le="+Inf"})");
  CAF_REQUIRE(ticks && inf);
  CAF_CHECK_EQUAL(*ticks, *inf);
  CAF_CHECK(value_of(text, "agentviz_physics_skipped_ticks_total"));
  CAF_CHECK(value_of(text, "agentviz_physics_follower_skipped_frames_total"));
  CAF_CHECK_EQUAL(value_of(text, "agentviz_auth_failures_total"), 0.0);
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_hook_events_total{event="SessionStart"})"), 1.0);
  CAF_CHECK_EQUAL(value_of(text, "agentviz_rate_limited_requests_total"), 0.0);
  // Render and scrape agree on what exists.
  CAF_CHECK(node->metrics()->render().find("agentviz_agents{")
            != std::string::npos);
}

CAF_TEST(events on the bus are counted by kind) {
  spawn("coder");
  spawn("tester");
  auto spawned = R"(agentviz_events_total{kind="agent.spawned"})";
  // The bus hands events on in batches, soon after they are published.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  auto text = scrape_all();
  while (value_of(text, spawned) < 2.0
         && std::chrono::steady_clock::now() < deadline)
    text = scrape();
  CAF_CHECK_EQUAL(value_of(text, spawned), 2.0);
  // Every kind has its series, also before its first event.
  CAF_CHECK_EQUAL(
    value_of(text, R"(agentviz_events_total{kind="agent.terminated"})"), 0.0);
}

CAF_TEST(the exposition passes promtool) {
  spawn("coder");
  auto text = scrape_all();
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    CAF_MESSAGE("promtool not found (Debian package prometheus): check "
                "skipped");
    return;
  }
  char path[] = "/tmp/av-metrics-XXXXXX";
  auto fd = mkstemp(path);
  CAF_REQUIRE(fd >= 0);
  close(fd);
  std::ofstream{path} << text;
  auto cmd = std::string{"promtool check metrics < "} + path + " > " + path
             + ".out 2>&1";
  auto rc = std::system(cmd.c_str());
  std::ifstream out{std::string{path} + ".out"};
  std::string report{std::istreambuf_iterator<char>{out}, {}};
  std::remove(path);
  std::remove((std::string{path} + ".out").c_str());
  CAF_CHECK_EQUAL(rc, 0);
  if (rc != 0)
    CAF_MESSAGE("promtool: " << report);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(auth failures and rate limits are counted) {
  api_fixture f{guarded_settings()};
  auto res = f.post("/api/agents", {{"type", "coder"}});
  CAF_CHECK_EQUAL(res.status, 401);
  for (int i = 0; i < 6; ++i)
    res = f.get("/api/agents");
  CAF_CHECK_EQUAL(res.status, 429);
  http_client scraper{f.node->metrics_port()};
  auto text = scraper.request(http_client::verb::get, "/metrics").body;
  CAF_CHECK_EQUAL(value_of(text, "agentviz_auth_failures_total"), 1.0);
  auto limited = value_of(text, "agentviz_rate_limited_requests_total");
  CAF_REQUIRE(limited.has_value());
  CAF_CHECK_GREATER_OR_EQUAL(*limited, 2.0);
}

CAF_TEST(metrics can be turned off) {
  auto cfg = test_settings();
  cfg.prometheus_enabled = false;
  api_fixture f{cfg};
  CAF_CHECK_EQUAL(f.node->metrics_port(), 0);
  CAF_CHECK(f.node->metrics() == nullptr);
  CAF_CHECK_EQUAL(f.get("/health").status, 200);
}
