#define CAF_SUITE persistence.node_stores

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <optional>

#include "../net/api_fixture.hpp"
#include "../net/prometheus_text.hpp"
#include "av/migrations.hpp"
#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// A real node on a migrated scratch database (and Redis, when `redis` is
/// set), with its HTTP API.
struct store_node {
  store_node(const av::connection_url& server, std::string redis, bool metrics)
    : db(server) {
    persistence::prepare_database(db.url(), true);
    auto cfg = test::test_settings();
    cfg.database_url = db.url();
    cfg.redis_url = std::move(redis);
    cfg.prometheus_enabled = metrics;
    api.emplace(cfg);
  }

  test::api_fixture& operator*() { return *api; }
  test::api_fixture* operator->() { return &*api; }

  test::scratch_database db;
  std::optional<test::api_fixture> api;
};

std::string count_of(const test::scratch_database& db, const std::string& sql) {
  return db.scalar("SELECT count(*) FROM " + sql);
}

} // namespace

CAF_TEST(history routes answer over HTTP from PostgreSQL) {
  AV_REQUIRE_POSTGRES(server);
  store_node node{*server, "", false};
  auto a = node->spawn("coder", "alice");
  auto b = node->spawn("coder", "bob");
  auto id = a["id"].get<std::string>();
  for (int i = 1; i <= 3; ++i)
    CAF_REQUIRE_EQUAL(
      node
        ->post("/api/agents/alice/metrics", {{"tasksCompleted", i},
                                             {"successRate", 0.5},
                                             {"averageResponseTime", 10},
                                             {"resourceUtilization", 0.1}})
        .status,
      200);
  // Answered after commit.
  CAF_REQUIRE_EQUAL(node
                      ->post("/api/messages", {{"from", "alice"},
                                               {"to", b["numId"]},
                                               {"type", "request"},
                                               {"content", "review \"it\""}})
                      .status,
                    200);
  CAF_REQUIRE_EQUAL(
    node
      ->post("/api/coordinations",
             {{"pattern", "mesh"}, {"participants", {1, 2}}, {"task", "sync"}})
      .status,
    201);
  // Metrics samples and position samples are written behind, not awaited.
  CAF_REQUIRE(test::eventually([&] {
    return count_of(node.db, "agent_metrics") == "3"
           && std::stoi(count_of(node.db, "agent_positions WHERE agent_id = '"
                                            + id + "'"))
                >= 8;
  }));
  auto to = std::to_string(now_ms() + 1000);
  auto range = "?from=0&to=" + to;
  auto positions = node->get("/api/history/agents/" + id + "/positions" + range
                             + "&points=4");
  CAF_REQUIRE_EQUAL(positions.status, 200);
  auto& points = positions.json["points"];
  CAF_CHECK_EQUAL(points.size(), 4u);
  int64_t samples = 0;
  for (auto& p : points) {
    samples += p["samples"].get<int64_t>();
    CAF_CHECK(p["position"].contains("x") && p["velocity"].contains("z"));
  }
  // Every stored sample lies in one of the points (more may have arrived).
  CAF_CHECK_GREATER_OR_EQUAL(samples, 8);
  auto metrics
    = node->get("/api/history/agents/" + id + "/metrics" + range + "&limit=2");
  CAF_REQUIRE_EQUAL(metrics.status, 200);
  CAF_REQUIRE_EQUAL(metrics.json["samples"].size(), 2u);
  CAF_CHECK_EQUAL(metrics.json["samples"][1]["tasksCompleted"], 3);
  auto messages = node->get("/api/history/messages" + range + "&agent=" + id);
  CAF_REQUIRE_EQUAL(messages.status, 200);
  // The request, and the mesh's exchanges (their text is the task).
  json request;
  for (auto& m : messages.json["messages"])
    if (m["type"] == "request")
      request = m;
  CAF_REQUIRE(request.is_object());
  CAF_CHECK_EQUAL(request["content"], "review \"it\"");
  CAF_CHECK_EQUAL(request["from"], id);
  CAF_CHECK_EQUAL(request["to"], b["id"]);
  auto coords = node->get("/api/history/coordinations" + range);
  CAF_REQUIRE_EQUAL(coords.status, 200);
  CAF_REQUIRE_EQUAL(coords.json["coordinations"].size(), 1u);
  CAF_CHECK_EQUAL(coords.json["coordinations"][0]["pattern"], "mesh");
  CAF_CHECK_EQUAL(coords.json["coordinations"][0]["participants"].size(), 2u);
  // Bad parameters: 400 naming the parameter.
  auto bad = [&](const std::string& target, const std::string& field) {
    auto res = node->get(target);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(test::api_fixture::field(res), field);
    CAF_CHECK_EQUAL(
      res.json["error"]["message"].get<std::string>().rfind(field + ": ", 0),
      0u);
  };
  bad("/api/history/agents/" + id + "/positions?points=0", "points");
  bad("/api/history/agents/" + id + "/metrics?limit=many", "limit");
  bad("/api/history/agents/alice/metrics", "id");
  bad("/api/history/messages?agent=alice", "agent");
  bad("/api/history/messages?from=20&to=10", "from");
  bad("/api/history/coordinations?status=DONE", "status");
  bad("/api/history/coordinations?to=-1", "to");
}

CAF_TEST(the store writers export metrics that move) {
  AV_REQUIRE_POSTGRES(server);
  auto redis = std::getenv("REDIS_URL");
  store_node node{*server, redis ? redis : "", true};
  auto scrape = [&] {
    test::http_client scraper{node->node->metrics_port()};
    return scraper.request(test::http_client::verb::get, "/metrics").body;
  };
  auto pg = [](const char* series, const char* more = "") {
    return std::string{series} + R"({store="postgres")" + more + "}";
  };
  node->spawn("coder");
  auto text = scrape();
  CAF_CHECK_EQUAL(test::value_of(text, pg("agentviz_store_connected")), 1.0);
  CAF_CHECK(test::value_of(text, pg("agentviz_store_buffered")));
  // WRITE_BUFFER_SIZE, what the buffer alert compares with.
  auto capacity = static_cast<double>(config::settings{}.write_buffer_size);
  CAF_CHECK_EQUAL(test::value_of(text, pg("agentviz_store_buffer_capacity")),
                  capacity);
  CAF_CHECK_EQUAL(test::value_of(text, pg("agentviz_store_dropped_total")),
                  0.0);
  CAF_CHECK_EQUAL(test::value_of(text, pg("agentviz_store_retries_total")),
                  0.0);
  auto agents = test::value_of(
    text, pg("agentviz_store_written_total", R"(,kind="agent")"));
  CAF_CHECK_EQUAL(agents, 1.0);
  auto flushes
    = test::value_of(text, pg("agentviz_store_flush_duration_seconds_count"));
  CAF_REQUIRE(flushes);
  CAF_CHECK_GREATER_OR_EQUAL(*flushes, 1.0);
  CAF_CHECK_EQUAL(
    test::value_of(text, pg("agentviz_store_flush_duration_seconds_bucket",
                            R"(,le="+Inf")")),
    *flushes);
  CAF_CHECK(
    test::value_of(text, R"(agentviz_actor_mailbox_depth{kind="pg_writer"})"));
  // A second spawn is committed before its answer: the counters move.
  node->spawn("coder");
  text = scrape();
  CAF_CHECK_EQUAL(test::value_of(text, pg("agentviz_store_written_total",
                                          R"(,kind="agent")")),
                  2.0);
  CAF_CHECK_GREATER(
    *test::value_of(text, pg("agentviz_store_flush_duration_seconds_count")),
    *flushes);
  if (!redis) {
    CAF_MESSAGE("REDIS_URL is not set: Redis series not checked");
    return;
  }
  // The Redis writer is not awaited: its HSETs show up soon after.
  CAF_CHECK(test::eventually([&] {
    auto hsets = test::value_of(
      scrape(), R"(agentviz_store_written_total{store="redis",kind="hset"})");
    return hsets && *hsets >= 2;
  }));
  text = scrape();
  CAF_CHECK_EQUAL(
    test::value_of(text, R"(agentviz_store_connected{store="redis"})"), 1.0);
  CAF_CHECK_EQUAL(
    test::value_of(text, R"(agentviz_store_buffer_capacity{store="redis"})"),
    capacity);
  CAF_CHECK(test::value_of(
    text, R"(agentviz_actor_mailbox_depth{kind="redis_writer"})"));
}
