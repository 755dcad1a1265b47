#define CAF_SUITE persistence.restore

#include "av/restore.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "av/registry.hpp"
#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

/// The part of a node that matters for a restart: a registry publishing to
/// a bus, with a PostgreSQL writer (of pg_writer_fixture) behind it.
struct live_node : test::pg_writer_fixture {
  explicit live_node(const av::connection_url& server)
    : pg_writer_fixture(server) {
    reg = sys.spawn(av::registry, ctx, bus);
  }

  /// A node started again on the database of another.
  live_node(const av::connection_url& server, const std::string& url)
    : pg_writer_fixture(server, writing_to(url)) {
    reg = sys.spawn(av::registry, ctx, bus);
  }

  ~live_node() { shut_down(); }

  void shut_down() {
    caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    stop();
  }

  static persistence::pg_writer_config writing_to(const std::string& url) {
    persistence::pg_writer_config result;
    result.database_url = url;
    return result;
  }

  template <class T, class... Ts>
  T ask(Ts&&... xs) {
    caf::scoped_actor self{sys};
    T result;
    self->request(reg, 10s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  agent_actor agent(num_id num) {
    return ask<agent_ref>(atom::get::value, std::to_string(num)).handle;
  }

  coordination_info coordination(const std::string& id) {
    auto ref
      = ask<coordination_ref>(atom::coordinate::value, atom::get::value, id);
    caf::scoped_actor self{sys};
    coordination_info result;
    self->request(ref.handle, 10s, atom::get::value)
      .receive([&](coordination_info& x) { result = std::move(x); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  /// Completes the running task of agent `num` once it has one.
  void complete(num_id num, std::string output) {
    caf::scoped_actor self{sys};
    agent_info info;
    CAF_REQUIRE(test::eventually([&] {
      self->request(agent(num), 10s, atom::get::value)
        .receive([&](agent_info& x) { info = std::move(x); },
                 [&](caf::error&) {});
      return !info.current_task.empty();
    }));
    self
      ->request(agent(num), 10s, atom::complete::value, info.current_task, true,
                std::move(output))
      .receive([](task_result&) {},
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  }

  registry_actor reg;
};

} // namespace

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
  auto snaps = persistence::load_agents(f.db.url(), "", 3);
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

CAF_TEST(active coordinations load with participants and checkpoints) {
  AV_REQUIRE_POSTGRES(server);
  test::pg_writer_fixture f{*server};
  for (num_id num = 1; num <= 3; ++num)
    f.ctx->bus.publish(test::spawned(num));
  auto gone = test::spawned(4);
  f.ctx->bus.publish(gone);
  auto coordination = [&](coord_status status, std::string checkpoint) {
    coordination_event ce;
    ce.snapshot.id = make_uuid();
    ce.snapshot.kind = pattern::pipeline;
    ce.snapshot.status = status;
    ce.snapshot.task = "raw data";
    ce.snapshot.progress = 1.0 / 3;
    ce.snapshot.started_ms = now_ms();
    ce.snapshot.participants
      = {{3, "stage", true}, {1, "stage", true}, {4, "stage", true}};
    ce.snapshot.checkpoint = std::move(checkpoint);
    f.ctx->bus.publish(ce);
    return ce.snapshot;
  };
  auto active = coordination(coord_status::active,
                             R"({"open":[1],"input":"it's \"clean\""})");
  coordination(coord_status::completed, "");
  coordination(coord_status::failed, "");
  f.ctx->bus.publish(agent_terminated{4, gone.agent.id, "done"});
  CAF_REQUIRE(f.durable());
  auto loaded = persistence::load_coordinations(f.db.url(), "");
  CAF_REQUIRE_EQUAL(loaded.size(), 1u);
  auto& x = loaded.front();
  CAF_CHECK_EQUAL(x.id, active.id);
  CAF_CHECK_EQUAL(x.kind, pattern::pipeline);
  CAF_CHECK_EQUAL(x.status, coord_status::active);
  CAF_CHECK_EQUAL(x.task, "raw data");
  CAF_CHECK_EQUAL(x.started_ms, active.started_ms);
  // In their order, by number; the terminated agent keeps its number (the
  // coordination treats it as gone when it is not restored).
  CAF_REQUIRE_EQUAL(x.participants.size(), 3u);
  CAF_CHECK_EQUAL(x.participants[0].agent, 3u);
  CAF_CHECK_EQUAL(x.participants[1].agent, 1u);
  CAF_CHECK_EQUAL(x.participants[2].agent, 4u);
  CAF_CHECK_EQUAL(x.participants[0].role, "stage");
  CAF_CHECK_EQUAL(nlohmann::json::parse(x.checkpoint),
                  nlohmann::json::parse(active.checkpoint));
}

CAF_TEST(a restarted node resumes a pipeline where it stopped) {
  AV_REQUIRE_POSTGRES(server);
  std::string id;
  auto first = std::make_unique<live_node>(*server);
  for (int i = 0; i < 3; ++i) {
    agent_spec spec;
    spec.type = "coder";
    first->ask<agent_info>(atom::spawn::value, spec);
  }
  coordination_spec spec;
  spec.kind = pattern::pipeline;
  spec.participants = {1, 2, 3};
  spec.task = "raw data";
  spec.timeout_ms = 60000;
  id = first->ask<coordination_info>(atom::coordinate::value, spec).id;
  first->complete(1, "cleaned");
  CAF_REQUIRE(
    test::eventually([&] { return first->coordination(id).steps_done == 1; }));
  CAF_REQUIRE(first->durable());
  // The node stops with stage 2 running; it starts again on the database.
  first->shut_down();
  auto url = first->db.url();
  auto second = std::make_unique<live_node>(*server, url);
  for (auto& snap : persistence::load_agents(url, "", 10))
    second->ask<agent_info>(atom::spawn::value, std::move(snap));
  for (auto& info : persistence::load_coordinations(url, ""))
    second->ask<coordination_info>(atom::coordinate::value, std::move(info));
  auto resumed = second->coordination(id);
  CAF_CHECK_EQUAL(resumed.status, coord_status::active);
  CAF_CHECK_EQUAL(resumed.steps_done, 1u);
  CAF_CHECK_EQUAL(resumed.reason, "resumed after a restart at step 1 of 3");
  second->complete(2, "analyzed");
  second->complete(3, "report");
  CAF_REQUIRE(test::eventually([&] {
    return second->coordination(id).status == coord_status::completed;
  }));
  CAF_CHECK_EQUAL(second->coordination(id).result, "report");
  CAF_REQUIRE(second->durable());
  CAF_CHECK_EQUAL(first->db.scalar("SELECT status || ' ' || result FROM "
                                   "coordinations WHERE id = '"
                                   + id + "'"),
                  "COMPLETED report");
}

CAF_TEST(each node restores its own agents and the first claims the rest) {
  AV_REQUIRE_POSTGRES(server);
  // Written before clustering: no owner.
  test::pg_writer_fixture legacy{*server};
  legacy.ctx->bus.publish(test::spawned(1, "old"));
  CAF_REQUIRE(legacy.durable());
  auto url = legacy.db.url();
  legacy.stop();
  // Two nodes of a cluster write to the same database.
  for (auto [node, num] : {std::pair{"node-a", 2}, std::pair{"node-b", 3}}) {
    persistence::pg_writer_config wc;
    wc.database_url = url;
    wc.node = node;
    test::pg_writer_fixture writer{*server, wc};
    writer.ctx->bus.publish(test::spawned(static_cast<num_id>(num), node));
    CAF_REQUIRE(writer.durable());
  }
  auto names = [&](const std::string& node) {
    std::vector<std::string> result;
    for (auto& snap : persistence::load_agents(url, node, 1))
      result.push_back(snap.info.name);
    return result;
  };
  CAF_CHECK_EQUAL(names("node-b"), std::vector<std::string>{"node-b"});
  // node-a starts first and takes the row nobody owned; node-b takes none.
  CAF_CHECK_EQUAL(persistence::claim_unowned(url, "node-a"), 1u);
  CAF_CHECK_EQUAL(persistence::claim_unowned(url, "node-b"), 0u);
  CAF_CHECK_EQUAL(names("node-a"), (std::vector<std::string>{"old", "node-a"}));
  CAF_CHECK_EQUAL(names("node-b"), std::vector<std::string>{"node-b"});
  CAF_CHECK(names("node-c").empty());
}
