#define CAF_SUITE ws.store_outage
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <cstdlib>

#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// A node writing through to the Redis of REDIS_URL (scripts/test starts
/// one), when set.
config::settings redis_settings() {
  auto cfg = ws_fixture::ws_settings();
  auto url = std::getenv("REDIS_URL");
  cfg.redis_url = url ? url : "";
  return cfg;
}

struct outage_fixture : ws_fixture {
  outage_fixture() : ws_fixture(redis_settings()) {
    // nop
  }

  /// Changes an agent's state until `c` gets a `node.store` event; each
  /// change is a write the Redis writer must try. None after 30 s.
  std::optional<json> store_event_while_writing(ws_client& c,
                                                const std::string& agent) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    bool busy = false;
    while (std::chrono::steady_clock::now() < deadline) {
      busy = !busy;
      put("/api/agents/" + agent + "/state",
          json{{"state", busy ? "BUSY" : "IDLE"}});
      if (auto ev = read_event(c, "node.store", ms{200}))
        return ev;
    }
    return std::nullopt;
  }
};

bool shell(const std::string& cmd) {
  return std::system(cmd.c_str()) == 0;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_store_outage_tests, outage_fixture)

CAF_TEST(viewers hear when Redis goes down and when it comes back) {
  auto ctl = std::getenv("AV_TEST_REDIS_CTL");
  if (cfg.redis_url.empty() || !ctl) {
    CAF_MESSAGE("skipped: REDIS_URL or AV_TEST_REDIS_CTL is not set "
                "(scripts/test sets them)");
    return;
  }
  auto c = connect();
  // A viewer of no agent still hears about the node.
  subscribe(*c, json{{"types", {"nobody"}}, {"events", {"node.store"}}});
  spawn("coder", "writer-load");
  CAF_REQUIRE(shell(std::string{ctl} + " stop"));
  auto down = store_event_while_writing(*c, "writer-load");
  // Redis comes back whatever the checks found.
  CAF_REQUIRE(shell(std::string{ctl} + " start"));
  CAF_REQUIRE(down);
  auto& d = (*down)["data"];
  CAF_CHECK_EQUAL(d["store"], "redis");
  CAF_CHECK_EQUAL(d["connected"], false);
  CAF_CHECK(d["buffered"].is_number_unsigned());
  CAF_CHECK(!d["reason"].get<std::string>().empty());
  auto up = store_event_while_writing(*c, "writer-load");
  CAF_REQUIRE(up);
  auto& u = (*up)["data"];
  CAF_CHECK_EQUAL(u["store"], "redis");
  CAF_CHECK_EQUAL(u["connected"], true);
  CAF_CHECK_EQUAL(u["reason"], "reconnected");
  CAF_CHECK_GREATER((*up)["seq"].get<uint64_t>(),
                    (*down)["seq"].get<uint64_t>());
}

CAF_TEST_FIXTURE_SCOPE_END()
