#define CAF_SUITE persistence.redis_writer

#include "av/redis_writer.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "av/redis_client.hpp"
#include "redis_fixture.hpp"
#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;
using persistence::detail::redis_client;

namespace {

struct redis_writer_fixture {
  explicit redis_writer_fixture(const std::string& url, size_t history = 100) {
    persistence::redis_writer_config wc;
    wc.redis_url = url;
    wc.history = history;
    bus = sys.spawn(av::bus, ctx);
    writer = persistence::spawn_redis_writer(sys, wc, bus, status);
  }

  ~redis_writer_fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  node_context_ptr ctx = std::make_shared<node_context>();
  store_status_ptr status = std::make_shared<store_status>("redis");
  bus_actor bus;
  redis_writer_actor writer;
};

av::connection_url parsed(const std::string& url) {
  return *av::parse_redis_url(url);
}

std::unique_ptr<redis_client> connect(const std::string& url) {
  return std::make_unique<redis_client>(parsed(url), 5s);
}

std::string hget(redis_client& c, const std::string& key,
                 const std::string& field) {
  auto r = c.run({"HGET", key, field});
  return r->str ? std::string{r->str, r->len} : std::string{};
}

int64_t zcard(redis_client& c, const std::string& key) {
  return c.run({"ZCARD", key})->integer;
}

/// The payload of the next message on a subscribed connection.
nlohmann::json next_message(redis_client& sub) {
  auto r = sub.receive();
  return nlohmann::json::parse(
    std::string{r->element[2]->str, r->element[2]->len});
}

} // namespace

CAF_TEST(agents metrics and positions land in the seed keys and channels) {
  AV_REQUIRE_REDIS(url);
  redis_writer_fixture f{url, 5};
  auto c = connect(url);
  auto sub = connect(url);
  sub->run({"SUBSCRIBE", "agent:state:update", "agent:metrics:update",
            "agent:position:update"});
  sub->receive();
  sub->receive();
  std::string hostile = "x'\"; FLUSHALL\r\n\xF0\x9F\x9A\x80";
  auto a = test::spawned(1, hostile);
  f.ctx->bus.publish(a);
  auto key = "agent:" + a.agent.id;
  auto msg = next_message(*sub);
  CAF_CHECK_EQUAL(msg["agentId"], a.agent.id);
  CAF_CHECK_EQUAL(msg["state"], "IDLE");
  CAF_CHECK_EQUAL(hget(*c, key, "name"), hostile);
  CAF_CHECK_EQUAL(hget(*c, key, "type"), "coder");
  f.ctx->bus.publish(
    agent_state_changed{1, agent_state::idle, agent_state::busy, "task"});
  msg = next_message(*sub);
  CAF_CHECK_EQUAL(msg["state"], "BUSY");
  CAF_CHECK_EQUAL(msg["previous"], "IDLE");
  CAF_CHECK_EQUAL(hget(*c, key, "state"), "BUSY");
  for (int i = 0; i < 8; ++i)
    f.ctx->bus.publish(
      metrics_event{1, {now_ms() + i, double(i), 0.5, 100, 0.25}, {}});
  for (int i = 0; i < 8; ++i)
    msg = next_message(*sub);
  CAF_CHECK_EQUAL(msg["metrics"]["tasksCompleted"], 7.0);
  CAF_CHECK_EQUAL(msg["trends"]["successRateTrend"], "stable");
  CAF_CHECK_EQUAL(hget(*c, key + ":metrics", "tasksCompleted"), "7.0");
  CAF_CHECK_EQUAL(hget(*c, key + ":metrics", "successRate"), "0.5");
  // The history keeps the newest five.
  CAF_CHECK_EQUAL(zcard(*c, key + ":metrics:history"), 5);
  position_batch frame;
  frame.time_ms = now_ms();
  frame.agents.push_back({1, {1.5f, 2, 3}, {0.5f, 0, 0}});
  caf::anon_send(f.writer, frame);
  msg = next_message(*sub);
  CAF_CHECK_EQUAL(msg["position"]["x"], 1.5);
  CAF_CHECK_EQUAL(msg["velocity"]["x"], 0.5);
  CAF_CHECK_EQUAL(hget(*c, key, "posX"), "1.5");
  CAF_CHECK_EQUAL(hget(*c, key, "posY"), "2.0");
  CAF_CHECK_EQUAL(hget(*c, key, "velX"), "0.5");
  CAF_CHECK(f.status->up.load());
}

CAF_TEST(a Redis restart loses nothing : the buffer drains and state returns) {
  AV_REQUIRE_REDIS(url);
  AV_REQUIRE_REDIS_CTL(ctl);
  redis_writer_fixture f{url, 1000};
  test::store_control redis{ctl};
  auto& bus = f.ctx->bus;
  std::vector<std::string> ids;
  for (num_id i = 1; i <= 20; ++i) {
    auto a = test::spawned(i);
    ids.push_back(a.agent.id);
    bus.publish(a);
  }
  {
    auto c = connect(url);
    CAF_REQUIRE(test::eventually(
      [&] { return hget(*c, "agent:" + ids.back(), "state") == "IDLE"; }));
  }
  // Redis runs without persistence: a restart loses everything.
  CAF_REQUIRE(redis.stop());
  // A steady stream while Redis is down (test::outage_length(), 10 s):
  // each step waits until the writer holds its commands.
  int64_t published = 0;
  auto step = [&] {
    auto before = f.status->buffered.load();
    auto num = static_cast<num_id>(published % 20 + 1);
    bus.publish(metrics_event{num, {now_ms(), double(published), 1, 1, 1}, {}});
    ++published;
    test::eventually([&] { return f.status->buffered.load() > before; }, 1s);
  };
  for (num_id i = 1; i <= 20; ++i)
    bus.publish(
      agent_state_changed{i, agent_state::idle, agent_state::busy, "task"});
  CAF_REQUIRE(
    test::stream_through_outage(step, [&] { return !f.status->up.load(); }));
  CAF_MESSAGE(published << " metrics samples published during the outage");
  CAF_CHECK_GREATER(f.status->buffered.load(), 0u);
  CAF_REQUIRE(redis.start());
  auto c = connect(url);
  CAF_CHECK(test::eventually(
    [&] { return f.status->up.load() && f.status->buffered.load() == 0; }));
  // Stored = published: every agent's samples (up to the history bound of
  // 1000) are in its history.
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& id = ids[i];
    auto expected = published / 20 + (static_cast<int64_t>(i) < published % 20);
    CAF_CHECK_EQUAL(hget(*c, "agent:" + id, "state"), "BUSY");
    CAF_CHECK_EQUAL(hget(*c, "agent:" + id, "type"), "coder");
    CAF_CHECK_EQUAL(zcard(*c, "agent:" + id + ":metrics:history"),
                    std::min<int64_t>(expected, 1000));
  }
  CAF_CHECK_GREATER_OR_EQUAL(f.status->reconnects.load(), 1u);
}

CAF_TEST(a healthy Redis is reported up before anything is written) {
  AV_REQUIRE_REDIS(url);
  redis_writer_fixture f{url};
  CAF_CHECK(test::eventually([&] { return f.status->up.load(); }));
  CAF_CHECK_EQUAL(f.status->written.load(), 0u);
}

CAF_TEST(an idle writer notices Redis going away and coming back) {
  AV_REQUIRE_REDIS(url);
  AV_REQUIRE_REDIS_CTL(ctl);
  redis_writer_fixture f{url};
  test::check_idle_outage(*f.status, ctl);
  CAF_CHECK_EQUAL(f.status->written.load(), 0u);
}
