#define CAF_SUITE ws.node_events
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <thread>

#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

CAF_TEST_FIXTURE_SCOPE(ws_node_events_tests, ws_fixture)

CAF_TEST(node events pass every filter) {
  auto c = connect();
  subscribe(*c, json{{"types", {"nobody"}}, {"maxAgents", 1}});
  node->context()->bus.publish(store_event{"redis", false, 12, "refused"});
  auto ev = read_event(*c, "node.store");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["store"], "redis");
  CAF_CHECK_EQUAL((*ev)["data"]["connected"], false);
  CAF_CHECK_EQUAL((*ev)["data"]["buffered"], 12);
  CAF_CHECK_EQUAL((*ev)["data"]["reason"], "refused");
}

CAF_TEST(an event list can name the node events) {
  auto c = connect();
  subscribe(*c, json{{"events", {"node.stopping"}}});
  node->context()->bus.publish(store_event{"postgres", true, 0, "reconnected"});
  node->context()->bus.publish(node_stopping{"test"});
  // The first event to arrive is the one listed.
  auto ev = c->read(ms{5000});
  while (ev && (ev->binary || !ev->json.contains("seq")))
    ev = c->read(ms{5000});
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL(ev->json["type"], "node.stopping");
}

CAF_TEST(viewers hear node.stopping before the close) {
  auto all = connect();
  subscribe(*all);
  auto narrow = connect();
  subscribe(*narrow,
            json{{"types", {"nobody"}}, {"events", {"node.stopping"}}});
  auto idle = connect();
  // The shutdown waits for the close handshakes that the reads answer.
  std::thread stopper{[&] {
    node->shutdown();
  }};
  for (auto* c : {all.get(), narrow.get()}) {
    auto ev = read_event(*c, "node.stopping", ms{10000});
    CAF_CHECK(ev);
    if (ev)
      CAF_CHECK_EQUAL((*ev)["data"]["reason"], "shutdown");
    CAF_CHECK(c->await_close());
    CAF_CHECK_EQUAL(c->close_reason.code,
                    boost::beast::websocket::close_code::going_away);
  }
  // A viewer that never subscribed gets the close alone.
  CAF_CHECK(idle->await_close());
  CAF_CHECK_EQUAL(idle->close_reason.code,
                  boost::beast::websocket::close_code::going_away);
  stopper.join();
}

CAF_TEST_FIXTURE_SCOPE_END()
