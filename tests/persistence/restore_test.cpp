#define CAF_SUITE persistence.restore

#include "av/restore.hpp"

#include <caf/test/unit_test.hpp>

#include "writer_fixture.hpp"

using namespace av;

CAF_TEST(agents that are not terminated load with numbers and history) {
  AV_REQUIRE_POSTGRES(server);
  test::pg_writer_fixture f{*server};
  auto a = test::spawned(7, "kept", R"({"team":"red"})");
  auto b = test::spawned(9, "ended");
  auto c = test::spawned(8, "failing");
  f.ctx->bus.publish(a);
  f.ctx->bus.publish(b);
  f.ctx->bus.publish(c);
  for (int i = 0; i < 5; ++i)
    f.ctx->bus.publish(
      metrics_event{7, {1000 + i, double(i), 0.5, 10, 0.1}, {}});
  f.ctx->bus.publish(
    agent_state_changed{8, agent_state::idle, agent_state::error, "bad"});
  f.ctx->bus.publish(agent_terminated{9, b.agent.id, "done"});
  CAF_REQUIRE(f.durable());
  auto snaps = persistence::load_agents(f.db.url(), 3);
  CAF_REQUIRE_EQUAL(snaps.size(), 2u);
  CAF_CHECK_EQUAL(snaps[0].info.num, 7u);
  CAF_CHECK_EQUAL(snaps[0].info.id, a.agent.id);
  CAF_CHECK_EQUAL(snaps[0].info.name, "kept");
  CAF_CHECK_EQUAL(snaps[0].info.metadata, R"({"team": "red"})");
  CAF_REQUIRE_EQUAL(snaps[0].history.size(), 3u);
  // The newest three, oldest first.
  CAF_CHECK_EQUAL(snaps[0].history.front().tasks_completed, 2.0);
  CAF_CHECK_EQUAL(snaps[0].history.back().tasks_completed, 4.0);
  CAF_CHECK_EQUAL(snaps[0].info.metrics.time_ms, 1004);
  CAF_CHECK_EQUAL(snaps[1].info.num, 8u);
  CAF_CHECK_EQUAL(snaps[1].info.state, agent_state::error);
}
