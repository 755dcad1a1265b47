#define CAF_SUITE persistence.migrations

#include "av/migrations.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <sstream>

#include "av/partitions.hpp"
#include "pg_fixture.hpp"

using namespace av;
using namespace av::persistence;

namespace {

bool throws_with(const std::function<void()>& f, const std::string& phrase) {
  try {
    f();
  } catch (const migration_error& e) {
    std::string what = e.what();
    if (what.find(phrase) != std::string::npos)
      return true;
    CAF_MESSAGE("message without '" << phrase << "': " << what);
    return false;
  }
  return false;
}

} // namespace

CAF_TEST(bundled migrations are numbered and checksummed) {
  const auto& ms = bundled_migrations();
  CAF_REQUIRE(!ms.empty());
  CAF_CHECK_EQUAL(ms.front().version, 1);
  for (size_t i = 0; i < ms.size(); ++i) {
    CAF_CHECK_EQUAL(ms[i].checksum.size(), 64u);
    CAF_CHECK_EQUAL(ms[i].checksum, sha256_hex(ms[i].sql));
    if (i > 0)
      CAF_CHECK_LESS(ms[i - 1].version, ms[i].version);
  }
  CAF_CHECK_EQUAL(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a3"
                                     "96177a9cb410ff61f20015ad");
}

CAF_TEST(file names without a number or with a shared one are refused) {
  CAF_CHECK(throws_with(
    [] {
      make_migrations({{"schema.sql", "SELECT 1"}});
    },
    "does not start with a number"));
  CAF_CHECK(throws_with(
    [] {
      make_migrations({{"002_a.sql", "SELECT 1"}, {"2_b.sql", "SELECT 2"}});
    },
    "share a version"));
  auto ms = make_migrations({{"010_b.sql", "B"}, {"002_a.sql", "A"}});
  CAF_CHECK_EQUAL(ms[0].name, "002_a.sql");
  CAF_CHECK_EQUAL(ms[1].version, 10);
}

CAF_TEST(migrations apply to an empty database and re - run as a no - op) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  auto conn = db.connect();
  const auto& known = bundled_migrations();
  auto before = check_migrations(*conn, known);
  CAF_CHECK(before.applied.empty());
  CAF_CHECK_EQUAL(before.pending.size(), known.size());
  auto done = apply_migrations(*conn, known);
  CAF_CHECK_EQUAL(done.size(), known.size());
  for (auto table : {"agents", "agent_positions", "agent_metrics", "messages",
                     "coordinations", "coordination_participants",
                     "agent_performance_summary", "schema_migrations"})
    CAF_CHECK_EQUAL(
      db.scalar(std::string{"SELECT to_regclass('"} + table + "') IS NOT NULL"),
      "t");
  CAF_CHECK_EQUAL(db.scalar("SELECT relkind FROM pg_class WHERE relname = "
                            "'agent_positions'"),
                  "p");
  CAF_CHECK_EQUAL(db.scalar("SELECT indexdef LIKE '%USING gin (metadata)%' "
                            "FROM pg_indexes WHERE indexname = "
                            "'idx_agents_metadata_gin'"),
                  "t");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM schema_migrations"),
                  std::to_string(known.size()));
  CAF_CHECK(apply_migrations(*conn, known).empty());
  CAF_CHECK(check_migrations(*conn, known).pending.empty());
}

CAF_TEST(the updated_at trigger and the summary refresh work) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  auto conn = db.connect();
  apply_migrations(*conn, bundled_migrations());
  pqxx::nontransaction tx{*conn};
  tx.exec("INSERT INTO agents (num_id, name, type, created_at, updated_at) "
          "VALUES (1, 'a', 'coder', now() - interval '1 hour', "
          "now() - interval '1 hour')");
  tx.exec("UPDATE agents SET state = 'BUSY'");
  CAF_CHECK_EQUAL(
    tx.exec1("SELECT updated_at > created_at FROM agents")[0].as<bool>(), true);
  tx.exec("SELECT refresh_performance_summary()");
  CAF_CHECK_EQUAL(
    tx.exec1("SELECT count(*) FROM agent_performance_summary")[0].as<int>(), 1);
}

CAF_TEST(a changed checksum is refused) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  auto conn = db.connect();
  apply_migrations(*conn, bundled_migrations());
  db.scalar("UPDATE schema_migrations SET checksum = 'tampered' "
            "WHERE version = 1");
  CAF_CHECK(throws_with([&] { check_migrations(*conn, bundled_migrations()); },
                        "was changed after it was applied"));
  CAF_CHECK(throws_with([&] { apply_migrations(*conn, bundled_migrations()); },
                        "was changed after it was applied"));
  std::ostringstream out;
  std::ostringstream err;
  CAF_CHECK_EQUAL(migrate_command(db.url(), false, out, err), 1);
  CAF_CHECK(err.str().find("checksum") != std::string::npos);
}

CAF_TEST(a database newer than the binary is refused) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  auto conn = db.connect();
  apply_migrations(*conn, bundled_migrations());
  db.scalar("INSERT INTO schema_migrations (version, name, checksum) "
            "VALUES (9999, '9999_future.sql', 'x')");
  CAF_CHECK(throws_with([&] { check_migrations(*conn, bundled_migrations()); },
                        "newer than the binary"));
}

CAF_TEST(serving refuses a database that is not migrated) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  CAF_CHECK(throws_with([&] { prepare_database(db.url(), false); },
                        "run `agent-server migrate`"));
  CAF_CHECK_EQUAL(db.scalar("SELECT to_regclass('agents') IS NULL"), "t");
  prepare_database(db.url(), true);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM schema_migrations"),
                  std::to_string(bundled_migrations().size()));
  prepare_database(db.url(), false);
  auto today = utc_today();
  char name[32];
  std::snprintf(name, sizeof(name), "agent_positions_%04d_%02d", today.year,
                today.month);
  CAF_CHECK_EQUAL(
    db.scalar(std::string{"SELECT to_regclass('"} + name + "') IS NOT NULL"),
    "t");
}

CAF_TEST(migrate reports status and pending migrations) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  std::ostringstream out;
  std::ostringstream err;
  CAF_CHECK_EQUAL(migrate_command(db.url(), true, out, err), 0);
  CAF_CHECK(out.str().find("pending  001_schema.sql") != std::string::npos);
  CAF_CHECK(out.str().find("0 applied") != std::string::npos);
  out.str("");
  CAF_CHECK_EQUAL(migrate_command(db.url(), false, out, err), 0);
  CAF_CHECK(out.str().find("applied  001_schema.sql") != std::string::npos);
  out.str("");
  CAF_CHECK_EQUAL(migrate_command(db.url(), false, out, err), 0);
  CAF_CHECK(out.str().find("up to date") != std::string::npos);
  CAF_CHECK_EQUAL(migrate_command("", false, out, err), 2);
  CAF_CHECK(err.str().find("DATABASE_URL") != std::string::npos);
}

CAF_TEST(dates move across months and years) {
  auto d = add_days({2026, 12, 30}, 3);
  CAF_CHECK_EQUAL(d.year, 2027);
  CAF_CHECK_EQUAL(d.month, 1);
  CAF_CHECK_EQUAL(d.day, 2);
  d = add_days({2024, 3, 1}, -1);
  CAF_CHECK_EQUAL(d.month, 2);
  CAF_CHECK_EQUAL(d.day, 29);
}

CAF_TEST(position partitions are created ahead and dropped after retention) {
  AV_REQUIRE_POSTGRES(server);
  test::scratch_database db{*server};
  auto conn = db.connect();
  apply_migrations(*conn, bundled_migrations());
  auto created = ensure_position_partitions(*conn, {2026, 11, 15});
  CAF_CHECK_EQUAL(created,
                  (std::vector<std::string>{"agent_positions_2026_11",
                                            "agent_positions_2026_12",
                                            "agent_positions_2027_01"}));
  CAF_CHECK(ensure_position_partitions(*conn, {2026, 11, 20}).empty());
  // Rows land in their month; outside every partition they are refused.
  db.scalar("INSERT INTO agent_positions (agent_id, position_x, position_y, "
            "position_z, timestamp) VALUES (gen_random_uuid(), 1, 2, 3, "
            "'2026-12-31 23:59:59+00')");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM agent_positions_2026_12"),
                  "1");
  // 30 days before 2027-03-01 is 2027-01-30: November and December are
  // wholly older, January is not.
  auto dropped = drop_expired_position_partitions(*conn, {2027, 3, 1}, 30);
  CAF_CHECK_EQUAL(dropped,
                  (std::vector<std::string>{"agent_positions_2026_11",
                                            "agent_positions_2026_12"}));
  CAF_CHECK_EQUAL(position_partitions(*conn),
                  (std::vector<std::string>{"agent_positions_2027_01"}));
  CAF_CHECK(drop_expired_position_partitions(*conn, {2027, 3, 1}, 30).empty());
}
