#define CAF_SUITE persistence.pg_writer

#include "av/pg_writer.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

/// `x` as an SQL string literal.
std::string literal(const std::string& x) {
  std::string result = "'";
  for (auto c : x)
    result += c == '\'' ? std::string{"''"} : std::string{c};
  return result + "'";
}

std::string count(test::scratch_database& db, const std::string& what) {
  return db.scalar("SELECT count(*) FROM " + what);
}

} // namespace

CAF_TEST(every kind of write reaches its table) {
  AV_REQUIRE_POSTGRES(server);
  test::pg_writer_fixture f{*server};
  auto& bus = f.ctx->bus;
  // Names and metadata that would break naive SQL are stored verbatim.
  std::string hostile_name = "Robert'); DROP TABLE agents;-- \"\\ \xC3\xA9 "
                             "\xF0\x9F\x9A\x80 \t$1 %s";
  std::string hostile_meta
    = R"({"x":"'; DROP TABLE agents; --","q":"\"\\","n":[1,{"$1":null}]})";
  auto a = test::spawned(1, hostile_name, hostile_meta);
  auto b = test::spawned(2);
  bus.publish(a);
  bus.publish(b);
  bus.publish(
    agent_state_changed{1, agent_state::idle, agent_state::busy, "task"});
  metrics_sample sample{now_ms(), 3, 0.75, 120, 0.5};
  bus.publish(metrics_event{1, sample, {}});
  bus.publish(message_event{7, 1, 2, "inform", priority::high, true, 5'000'000,
                            "review \"this\"'; --"});
  coordination_info info;
  info.id = make_uuid();
  info.kind = pattern::pipeline;
  info.status = coord_status::active;
  info.participants = {{2, "stage", true}, {1, "stage", true}};
  info.task = "build it";
  info.started_ms = now_ms();
  info.checkpoint = R"({"open":[0],"input":"build it"})";
  coordination_event ce;
  ce.id = info.id;
  ce.status = coord_status::active;
  ce.snapshot = info;
  bus.publish(ce);
  bus.publish(agent_terminated{2, b.agent.id, "done"});
  CAF_REQUIRE(f.durable());
  auto& db = f.db;
  CAF_CHECK_EQUAL(count(db, "agents"), "2");
  CAF_CHECK_EQUAL(
    db.scalar("SELECT name FROM agents WHERE id = '" + a.agent.id + "'"),
    hostile_name);
  CAF_CHECK_EQUAL(db.scalar("SELECT metadata->>'x' FROM agents WHERE num_id "
                            "= 1"),
                  "'; DROP TABLE agents; --");
  CAF_CHECK_EQUAL(db.scalar("SELECT metadata = " + literal(hostile_meta)
                            + "::jsonb FROM agents WHERE num_id = 1"),
                  "t");
  CAF_CHECK_EQUAL(db.scalar("SELECT state FROM agents WHERE num_id = 1"),
                  "BUSY");
  CAF_CHECK_EQUAL(db.scalar("SELECT state || ' ' || (terminated_at IS NOT "
                            "NULL) FROM agents WHERE num_id = 2"),
                  "TERMINATED true");
  CAF_CHECK_EQUAL(db.scalar("SELECT tasks_completed || ' ' || success_rate "
                            "FROM agent_metrics"),
                  "3 0.75");
  CAF_CHECK_EQUAL(db.scalar("SELECT priority || ' ' || latency_ms || ' ' || "
                            "success FROM messages WHERE from_agent = '"
                            + a.agent.id + "'"),
                  "HIGH 5 true");
  CAF_CHECK_EQUAL(db.scalar("SELECT content->>'text' FROM messages"),
                  "review \"this\"'; --");
  CAF_CHECK_EQUAL(db.scalar("SELECT status || ' ' || task FROM coordinations "
                            "WHERE id = '"
                            + info.id + "'"),
                  "ACTIVE build it");
  CAF_CHECK_EQUAL(db.scalar("SELECT checkpoint->>'input' FROM coordinations"),
                  "build it");
  CAF_CHECK_EQUAL(db.scalar("SELECT string_agg(role || position, ',' ORDER "
                            "BY position) FROM coordination_participants"),
                  "stage0,stage1");
  // A later change of the coordination updates its row.
  info.status = coord_status::completed;
  info.completed_ms = now_ms();
  info.result = "built";
  ce.snapshot = info;
  bus.publish(ce);
  CAF_REQUIRE(f.durable());
  CAF_CHECK_EQUAL(db.scalar("SELECT status || ' ' || result || ' ' || "
                            "(completed_at IS NOT NULL) FROM coordinations"),
                  "COMPLETED built true");
  CAF_CHECK_EQUAL(f.status->up.load(), true);
}

CAF_TEST(position samples are copied in batches at the configured rate) {
  AV_REQUIRE_POSTGRES(server);
  persistence::pg_writer_config wc;
  wc.position_hz = 5;
  wc.max_copy_rows = 1000;
  test::pg_writer_fixture f{*server, wc};
  constexpr num_id agents = 300;
  for (num_id i = 1; i <= agents; ++i)
    f.ctx->bus.publish(test::spawned(i));
  CAF_REQUIRE(f.durable());
  // Two seconds of frames at 60 Hz: each agent is sampled at most every
  // 200 ms, so 10 samples per agent.
  auto start = now_ms();
  for (int tick = 0; tick < 120; ++tick) {
    position_batch frame;
    frame.frame = static_cast<uint64_t>(tick);
    frame.time_ms = start + tick * 1000 / 60;
    for (num_id i = 1; i <= agents; ++i)
      frame.agents.push_back({i, {float(i), float(tick), 0}, {1, 0, 0}});
    caf::anon_send(f.writer, frame);
  }
  auto expected = std::to_string(agents * 10);
  CAF_CHECK(test::eventually(
    [&] { return count(f.db, "agent_positions") == expected; }));
  CAF_CHECK_EQUAL(count(f.db, "agent_positions"), expected);
  CAF_CHECK_EQUAL(f.db.scalar("SELECT count(DISTINCT agent_id) FROM "
                              "agent_positions"),
                  std::to_string(agents));
  // 3,000 rows in batches of at most 1,000: at least three transactions.
  CAF_CHECK_GREATER_OR_EQUAL(std::stoi(count(f.db, "writer_batches")), 3);
  CAF_CHECK_EQUAL(f.status->dropped_samples.load(), 0u);
}

CAF_TEST(writes survive a PostgreSQL outage and nothing acknowledged is lost) {
  AV_REQUIRE_POSTGRES(server);
  AV_REQUIRE_PG_CTL(pg_ctl);
  test::pg_writer_fixture f{*server};
  test::store_control postgres{pg_ctl};
  auto& bus = f.ctx->bus;
  num_id next = 1;
  size_t acknowledged = 0;
  // A steady stream: one agent and one metrics sample per step; after each
  // step, ask for the write to be confirmed (briefly, while it is down).
  auto step = [&](std::chrono::milliseconds wait) {
    auto num = next++;
    bus.publish(test::spawned(num));
    bus.publish(metrics_event{num, {now_ms(), 1, 1, 1, 1}, {}});
    if (f.durable(wait))
      acknowledged = num;
  };
  for (int i = 0; i < 50; ++i)
    step(5s);
  CAF_REQUIRE_EQUAL(acknowledged, 50u);
  CAF_REQUIRE(postgres.stop());
  // Writes keep coming while the server is down (test::outage_length(),
  // 10 s, from when the writer noticed); none is confirmed.
  CAF_REQUIRE(test::stream_through_outage(
    [&] { step(20ms); }, [&] { return !f.status->up.load(); }));
  auto during = next - 1 - 50;
  CAF_MESSAGE(during << " agents published during the outage");
  CAF_CHECK_EQUAL(acknowledged, 50u);
  CAF_CHECK_GREATER_OR_EQUAL(f.status->buffered.load(), 1u);
  CAF_REQUIRE(postgres.start());
  for (int i = 0; i < 50; ++i)
    step(20s);
  // Acknowledged = stored: every agent and sample published.
  auto total = std::to_string(next - 1);
  CAF_CHECK_EQUAL(acknowledged, next - 1);
  CAF_CHECK_EQUAL(count(f.db, "agents"), total);
  CAF_CHECK_EQUAL(f.db.scalar("SELECT string_agg(g::text, ',') FROM "
                              "generate_series(1, "
                              + total
                              + ") g WHERE g NOT IN (SELECT num_id FROM "
                                "agents)"),
                  "");
  CAF_CHECK_EQUAL(count(f.db, "agent_metrics"), total);
  CAF_CHECK_EQUAL(f.db.scalar("SELECT max(num_id) FROM agents"), total);
  CAF_CHECK(f.status->up.load());
  CAF_CHECK_GREATER_OR_EQUAL(f.status->reconnects.load(), 1u);
  CAF_CHECK_EQUAL(f.status->buffered.load(), 0u);
}

CAF_TEST(an idle writer notices PostgreSQL going away and coming back) {
  AV_REQUIRE_POSTGRES(server);
  AV_REQUIRE_PG_CTL(pg_ctl);
  test::pg_writer_fixture f{*server};
  test::check_idle_outage(*f.status, pg_ctl);
}
