#define CAF_SUITE persistence.history

#include "av/history_reader.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

json ask(test::pg_writer_fixture& f, history_actor reader,
         const history_query& q) {
  caf::scoped_actor self{f.sys};
  json result;
  self->request(reader, 10s, atom::history::value, q)
    .receive([&](std::string& text) { result = json::parse(text); },
             [&](caf::error& err) {
               CAF_FAIL("history failed: " << f.sys.render(err));
             });
  return result;
}

} // namespace

CAF_TEST(history answers positions metrics messages and coordinations) {
  AV_REQUIRE_POSTGRES(server);
  test::pg_writer_fixture f{*server};
  auto reader = persistence::spawn_history_reader(f.sys, f.db.url());
  auto a = test::spawned(1);
  auto b = test::spawned(2);
  f.ctx->bus.publish(a);
  f.ctx->bus.publish(b);
  auto start = now_ms();
  for (int i = 0; i < 30; ++i)
    f.ctx->bus.publish(metrics_event{1, {start + i, double(i), 1, 1, 1}, {}});
  f.ctx->bus.publish(
    message_event{1, 1, 2, "inform", priority::normal, true, 2'000'000, "hi"});
  f.ctx->bus.publish(
    message_event{2, 2, 1, "reply", priority::low, false, 0, {}});
  coordination_event ce;
  ce.snapshot.id = make_uuid();
  ce.snapshot.kind = pattern::mesh;
  ce.snapshot.status = coord_status::completed;
  ce.snapshot.started_ms = start;
  ce.snapshot.completed_ms = start + 5;
  ce.snapshot.participants = {{1, "peer", true}, {2, "peer", false}};
  f.ctx->bus.publish(ce);
  CAF_REQUIRE(f.durable());
  // 100 samples, one every 200 ms of frame time.
  for (int i = 0; i < 100; ++i) {
    position_batch frame;
    frame.time_ms = start + i * 200;
    frame.agents.push_back({1, {float(i), 0, 0}, {}});
    caf::anon_send(f.writer, frame);
  }
  CAF_REQUIRE(test::eventually([&] {
    return f.db.scalar("SELECT count(*) FROM agent_positions") == "100";
  }));
  history_query q;
  q.kind = "positions";
  q.agent = a.agent.id;
  q.from_ms = start;
  q.to_ms = start + 100 * 200;
  q.points = 10;
  auto pos = ask(f, reader, q);
  CAF_REQUIRE_EQUAL(pos["points"].size(), 10u);
  CAF_CHECK_EQUAL(pos["points"][0]["samples"], 10);
  // The first bucket averages x = 0..9.
  CAF_CHECK_EQUAL(pos["points"][0]["position"]["x"], 4.5);
  q.kind = "metrics";
  q.limit = 5;
  auto met = ask(f, reader, q);
  CAF_REQUIRE_EQUAL(met["samples"].size(), 5u);
  CAF_CHECK_EQUAL(met["samples"][4]["tasksCompleted"], 29);
  CAF_CHECK_EQUAL(met["samples"][0]["tasksCompleted"], 25);
  q.kind = "messages";
  q.limit = 100;
  q.to_ms = now_ms() + 1000;
  q.peer = b.agent.id;
  auto msgs = ask(f, reader, q);
  CAF_REQUIRE_EQUAL(msgs["messages"].size(), 2u);
  // The message's text comes back (the other one had none).
  CAF_CHECK(msgs.dump().find(R"("content":"hi")") != std::string::npos);
  q.agent = b.agent.id;
  q.peer = make_uuid();
  CAF_CHECK_EQUAL(ask(f, reader, q)["messages"].size(), 0u);
  q.kind = "coordinations";
  q.status = "COMPLETED";
  auto coords = ask(f, reader, q);
  CAF_REQUIRE_EQUAL(coords["coordinations"].size(), 1u);
  CAF_CHECK_EQUAL(coords["coordinations"][0]["participants"].size(), 2u);
  CAF_CHECK_EQUAL(coords["coordinations"][0]["participants"][1]["active"],
                  false);
  q.status = "FAILED";
  CAF_CHECK_EQUAL(ask(f, reader, q)["coordinations"].size(), 0u);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
}

CAF_TEST(queries run at once on up to the pool s connections) {
  AV_REQUIRE_POSTGRES(server);
  test::pg_writer_fixture f{*server};
  auto reader = persistence::spawn_history_reader(f.sys, f.db.url(), 2);
  auto a = test::spawned(1);
  f.ctx->bus.publish(a);
  f.ctx->bus.publish(metrics_event{1, {now_ms(), 1, 1, 1, 1}, {}});
  CAF_REQUIRE(f.durable());
  auto waiting_readers = [&](const char* condition) {
    return f.db.scalar("SELECT count(*) FROM pg_stat_activity WHERE "
                       "application_name = 'agentviz-history' AND datname = '"
                       + f.db.name() + "'" + condition);
  };
  // A lock held here makes every metrics query wait inside PostgreSQL.
  auto locker = f.db.connect();
  pqxx::work lock{*locker};
  lock.exec("LOCK TABLE agent_metrics IN ACCESS EXCLUSIVE MODE");
  history_query q;
  q.kind = "metrics";
  q.agent = a.agent.id;
  q.from_ms = 0;
  q.to_ms = now_ms() + 1000;
  caf::scoped_actor self{f.sys};
  using handle = decltype(self->request(reader, 20s, atom::history::value, q));
  std::vector<handle> pending;
  for (int i = 0; i < 3; ++i)
    pending.push_back(self->request(reader, 20s, atom::history::value, q));
  // Two run at once (both wait on the lock); the third waits for a reader.
  CAF_CHECK(test::eventually(
    [&] { return waiting_readers(" AND wait_event_type = 'Lock'") == "2"; }));
  lock.abort();
  size_t answered = 0;
  for (auto& rh : pending)
    rh.receive(
      [&](std::string& text) {
        answered += json::parse(text)["samples"].size() == 1 ? 1 : 0;
      },
      [&](caf::error& err) {
        CAF_FAIL("history failed: " << f.sys.render(err));
      });
  CAF_CHECK_EQUAL(answered, 3u);
  // No third connection was opened for the third query.
  CAF_CHECK_EQUAL(waiting_readers(""), "2");
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
}
