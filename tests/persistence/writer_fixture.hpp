#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "caf_checks.hpp"
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include "av/bus.hpp"
#include "av/migrations.hpp"
#include "av/pg_writer.hpp"
#include "pg_fixture.hpp"

namespace av::test {

/// Polls `cond` every 20 ms until it holds or `limit` passes; returns
/// whether it held.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds limit
                       = std::chrono::seconds{20}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (cond())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

/// How long the outage tests keep a store down while writes stream in:
/// AV_TEST_OUTAGE_S seconds, 10 by default.
inline std::chrono::milliseconds outage_length() {
  auto text = std::getenv("AV_TEST_OUTAGE_S");
  auto seconds = text && *text ? std::atoi(text) : 10;
  return std::chrono::seconds{seconds > 0 ? seconds : 10};
}

/// Runs `step` over and over: until `down` holds (the writer noticed the
/// outage; at most 20 s), then for `outage_length()` more. Returns whether
/// the writer noticed.
inline bool stream_through_outage(const std::function<void()>& step,
                                  const std::function<bool()>& down) {
  using clock = std::chrono::steady_clock;
  auto limit = clock::now() + std::chrono::seconds{20};
  while (!down()) {
    if (clock::now() >= limit)
      return false;
    step();
  }
  auto until = clock::now() + outage_length();
  while (clock::now() < until)
    step();
  return true;
}

/// Runs a shell command (the store control scripts of scripts/test).
inline bool shell(const std::string& cmd) {
  return std::system(cmd.c_str()) == 0;
}

/// Stops and starts a shared test server through its control script (see
/// scripts/test); starts it again at the end of the test, also when a check
/// failed half-way.
class store_control {
public:
  explicit store_control(std::string ctl) : ctl_(std::move(ctl)) {}
  store_control(const store_control&) = delete;
  store_control& operator=(const store_control&) = delete;
  ~store_control() { start(); }

  bool stop() { return shell(ctl_ + " stop >/dev/null"); }
  bool start() { return shell(ctl_ + " start >/dev/null"); }

private:
  std::string ctl_;
};

/// Stops the store of `ctl` while nothing is written and starts it again:
/// the writer of `status` must tell both (only its idle probe can) and
/// connect again once.
inline void check_idle_outage(const store_status& status, const char* ctl) {
  CAF_REQUIRE(eventually([&] { return status.up.load(); }));
  store_control store{ctl};
  CAF_REQUIRE(store.stop());
  CAF_CHECK(eventually([&] { return !status.up.load(); }));
  CAF_REQUIRE(store.start());
  CAF_CHECK(eventually([&] { return status.up.load(); }));
  CAF_CHECK_EQUAL(status.reconnects.load(), 1u);
}

/// A migrated scratch database, an actor system with a bus, and a
/// PostgreSQL writer subscribed to it.
struct pg_writer_fixture {
  /// With `wc.database_url` set, the writer writes there instead of `db`.
  explicit pg_writer_fixture(const av::connection_url& server,
                             persistence::pg_writer_config wc = {})
    : db(server) {
    if (wc.database_url.empty()) {
      persistence::prepare_database(db.url(), true);
      wc.database_url = db.url();
    }
    bus = sys.spawn(av::bus, ctx);
    writer = persistence::spawn_pg_writer(sys, wc, bus, status);
  }

  ~pg_writer_fixture() { stop(); }

  /// Ends the writer, the bus and every other actor of `sys`.
  void stop() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }

  /// Asks the writer to confirm everything published so far; returns
  /// whether it did within `limit`.
  bool durable(std::chrono::milliseconds limit = std::chrono::seconds{20}) {
    caf::scoped_actor self{sys};
    bool ok = false;
    self->request(writer, limit, atom::durable::value, ctx->bus.last_seq())
      .receive([&](uint64_t) { ok = true; }, [&](caf::error&) { ok = false; });
    return ok;
  }

  scratch_database db;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  node_context_ptr ctx = std::make_shared<node_context>();
  store_status_ptr status = std::make_shared<store_status>("postgres");
  bus_actor bus;
  pg_writer_actor writer;
};

/// An agent_spawned event for agent `num`.
inline agent_spawned spawned(num_id num, std::string name = {},
                             std::string metadata = "{}") {
  agent_spawned result;
  result.agent.id = make_uuid();
  result.agent.num = num;
  result.agent.name = name.empty() ? "agent-" + std::to_string(num) : name;
  result.agent.type = "coder";
  result.metadata = std::move(metadata);
  result.created_ms = now_ms();
  return result;
}

} // namespace av::test

/// Ends the test when no test servers are configured.
#define AV_REQUIRE_PG_CTL(var)                                                 \
  auto var = std::getenv("AV_TEST_PG_CTL");                                    \
  if (!var) {                                                                  \
    CAF_MESSAGE("skipped: AV_TEST_PG_CTL is not set (scripts/test sets it)");  \
    return;                                                                    \
  }
#define AV_REQUIRE_REDIS_CTL(var)                                              \
  auto var = std::getenv("AV_TEST_REDIS_CTL");                                 \
  if (!var) {                                                                  \
    CAF_MESSAGE(                                                               \
      "skipped: AV_TEST_REDIS_CTL is not set (scripts/test sets it)");         \
    return;                                                                    \
  }
